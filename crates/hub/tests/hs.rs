//! `GET /v1/hs/{code}` and `GET /v1/hs?q=` over real HTTP, on the shared HS 2022 file
//! (`../shared/standards/hs`, read in place, never copied into this repository).

mod harness;

use harness::{hubs, hubs_with, Answer, TestHub};
use reqwest::Method;
use serde_json::Value;
use std::path::PathBuf;

/// The shared file (`EWTP_STANDARDS_DIR`, by default `../shared/standards` beside the
/// workspace), or a failure that says where it was looked for: never a silent skip.
fn shared_hs_file() -> PathBuf {
    let dir = std::env::var("EWTP_STANDARDS_DIR").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/standards").to_string()
    });
    let path = PathBuf::from(format!("{dir}/hs/harmonized-system.csv"));
    assert!(
        path.is_file(),
        "these tests need the shared HS nomenclature at {} (set EWTP_STANDARDS_DIR to the shared standards folder)",
        path.display()
    );
    path
}

async fn hubs_with_hs() -> Vec<TestHub> {
    let path = shared_hs_file();
    hubs_with(move |c| c.hs_nomenclature = Some(path.clone())).await
}

async fn get(h: &TestHub, path: &str) -> Answer {
    h.call(Method::GET, path, None, None, &[]).await
}

fn codes(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| e["code"].as_str().expect("a code"))
        .collect()
}

#[tokio::test]
async fn a_subheading_with_its_ancestors_and_a_heading_with_its_children() {
    for h in hubs_with_hs().await {
        let a = get(&h, "/v1/hs/610910").await;
        assert_eq!(a.status, 200, "{}", a.body);
        let b = &a.body;
        assert_eq!(b["code"], "610910");
        assert_eq!(
            b["description"],
            "T-shirts, singlets and other vests; of cotton, knitted or crocheted"
        );
        assert_eq!(
            (b["level"].as_u64(), b["section"].as_str()),
            (Some(6), Some("XI"))
        );
        assert_eq!(b["parent"], "6109");
        assert_eq!(codes(&b["ancestors"]), ["61", "6109"]);
        assert_eq!(b["ancestors"][0]["level"], 2);
        assert_eq!(
            b["ancestors"][1]["description"],
            "T-shirts, singlets and other vests; knitted or crocheted"
        );
        assert_eq!(codes(&b["children"]), Vec::<&str>::new());

        let heading = get(&h, "/v1/hs/8517").await;
        assert_eq!(heading.status, 200, "{}", heading.body);
        let children = codes(&heading.body["children"]);
        assert!(children.contains(&"851713"), "{children:?}");
        assert_eq!(children.len(), 9, "{children:?}");
        assert_eq!(heading.body["children"][0]["level"], 6);

        let chapter = get(&h, "/v1/hs/61").await;
        assert_eq!(chapter.status, 200, "{}", chapter.body);
        assert_eq!(chapter.body["parent"], Value::Null);
        assert_eq!(codes(&chapter.body["ancestors"]), Vec::<&str>::new());
        h.finish().await;
    }
}

#[tokio::test]
async fn codes_may_carry_dots_and_spaces() {
    for h in hubs_with_hs().await {
        for written in ["6109.10", "6109%2010", "61.09.10"] {
            let a = get(&h, &format!("/v1/hs/{written}")).await;
            assert_eq!(a.status, 200, "{written}: {}", a.body);
            assert_eq!(a.body["code"], "610910", "{written}");
        }
        h.finish().await;
    }
}

#[tokio::test]
async fn unknown_and_malformed_codes() {
    for h in hubs_with_hs().await {
        let unknown = get(&h, "/v1/hs/610911").await;
        let body = unknown.problem(404, "hs_code_not_found");
        assert!(
            body["detail"].as_str().unwrap().contains("610911"),
            "{body}"
        );

        for bad in ["61091", "6", "abc", "6109-10", "61091000001234"] {
            let a = get(&h, &format!("/v1/hs/{bad}")).await;
            let body = a.problem(422, "invalid_hs_code");
            assert_eq!(body["field"], "code", "{bad}: {body}");
        }
        h.finish().await;
    }
}

#[tokio::test]
async fn search_finds_words_and_code_prefixes_within_the_limit() {
    for h in hubs_with_hs().await {
        let a = get(&h, "/v1/hs?q=t-shirts").await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["query"], "t-shirts");
        let found = codes(&a.body["results"]);
        assert_eq!(found[..3], ["6109", "610910", "610990"], "{found:?}");
        assert_eq!(a.body["count"].as_u64(), Some(found.len() as u64));
        assert!(found.len() <= 20, "default limit");
        assert!(a.body["results"][0]["description"].is_string());

        let cotton = get(&h, "/v1/hs?q=T-Shirts%20COTTON&limit=1").await;
        assert_eq!(cotton.status, 200, "{}", cotton.body);
        assert_eq!(codes(&cotton.body["results"]), ["610910"]);
        assert_eq!(cotton.body["count"], 1);

        let many = get(&h, "/v1/hs?q=knitted&limit=100").await;
        assert_eq!(many.body["count"], 100, "{}", many.body);
        let few = get(&h, "/v1/hs?q=knitted&limit=3").await;
        assert_eq!(few.body["count"], 3, "{}", few.body);

        let by_code = get(&h, "/v1/hs?q=8517.1").await;
        assert_eq!(
            codes(&by_code.body["results"]),
            ["851711", "851713", "851714", "851718"]
        );

        let nothing = get(&h, "/v1/hs?q=zebra%20crossing").await;
        assert_eq!(nothing.status, 200);
        assert_eq!(nothing.body["count"], 0);
        assert_eq!(codes(&nothing.body["results"]), Vec::<&str>::new());
        h.finish().await;
    }
}

#[tokio::test]
async fn search_refuses_bad_queries() {
    let long = "a".repeat(101);
    for h in hubs_with_hs().await {
        let cases: [(&str, Option<&str>); 8] = [
            ("/v1/hs", Some("q")),
            ("/v1/hs?limit=5", Some("q")),
            ("/v1/hs?q=a", Some("q")),
            ("/v1/hs?q=%20%20a%20", Some("q")),
            ("/v1/hs?q=shirt&limit=0", Some("limit")),
            ("/v1/hs?q=shirt&limit=101", Some("limit")),
            ("/v1/hs?q=shirt&limit=many", None),
            ("/v1/hs?q=shirt&lang=en", Some("lang")),
        ];
        for (path, field) in cases {
            let a = get(&h, path).await;
            let body = a.problem(400, "invalid_query");
            if let Some(field) = field {
                assert_eq!(body["field"], field, "{path}: {body}");
            }
        }
        let a = get(&h, &format!("/v1/hs?q={long}")).await;
        assert_eq!(a.problem(400, "invalid_query")["field"], "q");
        h.finish().await;
    }
}

#[tokio::test]
async fn without_a_nomenclature_both_routes_say_how_to_load_one() {
    for h in hubs().await {
        for path in ["/v1/hs/610910", "/v1/hs?q=shirts"] {
            let a = get(&h, path).await;
            let body = a.problem(404, "hs_nomenclature_not_loaded");
            let detail = body["detail"].as_str().unwrap();
            assert!(detail.contains("--hs-nomenclature FILE"), "{detail}");
            assert!(
                detail.contains("section,hscode,description,parent,level"),
                "{detail}"
            );
        }
        h.finish().await;
    }
}

#[tokio::test]
async fn the_routes_are_documented() {
    for h in hubs_with_hs().await {
        let doc = get(&h, "/openapi.json").await.body;
        let paths = &doc["paths"];
        assert!(paths["/v1/hs/{code}"]["get"].is_object(), "{}", paths);
        assert!(paths["/v1/hs"]["get"].is_object(), "{}", paths);
        let params: Vec<&str> = paths["/v1/hs"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .map(|p| p["name"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(params, ["q", "limit"]);
        assert_eq!(paths["/v1/hs"]["get"]["tags"][0], "nomenclature");
        assert!(doc["components"]["schemas"]["HsCodeView"].is_object());
        assert!(doc["components"]["schemas"]["HsSearchView"].is_object());
        let tags: Vec<&str> = doc["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert!(tags.contains(&"nomenclature"), "{tags:?}");
        h.finish().await;
    }
}

#[tokio::test]
async fn a_missing_or_malformed_file_stops_the_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let start = |file: PathBuf, data: &str| {
        hub::start(hub::HubConfig {
            listen: "127.0.0.1:0".parse().expect("addr"),
            data_dir: dir.path().join(data),
            hs_nomenclature: Some(file),
            ..Default::default()
        })
    };

    let missing = dir.path().join("no-such.csv");
    let error = start(missing.clone(), "data-missing")
        .await
        .err()
        .expect("a missing file stops the start");
    assert!(
        matches!(&error, hub::HubError::NomenclatureUnreadable(p, _) if *p == missing),
        "{error}"
    );
    assert!(error.to_string().contains("no-such.csv"), "{error}");

    let malformed = dir.path().join("bad.csv");
    std::fs::write(
        &malformed,
        "section,hscode,description,parent,level\nI,01,Animals,TOTAL,2\nI,0101,Horses,01,6\n",
    )
    .expect("write the sample");
    let error = start(malformed.clone(), "data-malformed")
        .await
        .err()
        .expect("a malformed file stops the start");
    let text = error.to_string();
    assert!(
        text.contains("bad.csv") && text.contains("line 3: level `6`"),
        "{text}"
    );
    assert!(
        !dir.path().join("data-malformed").exists(),
        "nothing is created before the file is read"
    );
}
