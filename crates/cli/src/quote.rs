//! `ewtp quote`: a landed-cost quote without a hub. The request comes as JSON on stdin (the body
//! of `POST /v1/quotes`) or as flags; the answer is the same JSON the API gives, on stdout.
//! Invalid input prints the field problems as JSON on stderr and exits with status 2.

use clap::Args;
use std::io::Read;
use std::path::PathBuf;
use tariff::quote::{FxRate, QuoteItemRequest};
use tariff::{QuoteJson, QuoteRequest, Rate};
use trade::Currency;

#[derive(Args, Debug, Default)]
pub struct QuoteArgs {
    /// Country the parcel ships from (ISO 3166 alpha-2).
    #[arg(long)]
    pub origin: Option<String>,
    /// Country whose rules apply.
    #[arg(long)]
    pub destination: Option<String>,
    /// ISO 4217 currency of the amounts.
    #[arg(long)]
    pub currency: Option<String>,
    /// YYYY-MM-DD [default: today].
    #[arg(long)]
    pub date: Option<String>,
    /// DDP or DAP [default: DDP].
    #[arg(long)]
    pub incoterm: Option<String>,
    #[arg(long)]
    pub freight: Option<String>,
    #[arg(long)]
    pub insurance: Option<String>,
    /// An item: HS:QUANTITY:UNIT_PRICE[:ORIGIN[:DESCRIPTION]]; repeat for more.
    #[arg(long = "item", value_name = "HS:QTY:PRICE[:ORIGIN[:DESCRIPTION]]")]
    pub items: Vec<String>,
    /// An exchange rate FROM/TO=RATE (one FROM is RATE TO), e.g. USD/EUR=0.92; repeat for more.
    #[arg(long = "fx", value_name = "FROM/TO=RATE")]
    pub fx: Vec<String>,
    /// Folder of rule-pack TOML files replacing or adding to the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Print compact JSON instead of indented.
    #[arg(long)]
    pub compact: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum QuoteCliError {
    #[error("{0}")]
    Usage(String),
    /// Already printed as JSON on stderr.
    #[error("the request is invalid (details above)")]
    Invalid,
}

impl QuoteCliError {
    pub fn exit_code(&self) -> u8 {
        2
    }
}

pub fn run(args: QuoteArgs) -> Result<(), QuoteCliError> {
    let packs = load_packs(args.rules.as_deref())?;
    let fx = parse_fx(&args.fx)?;
    let request = if args.items.is_empty() && args.destination.is_none() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| QuoteCliError::Usage(format!("cannot read stdin: {e}")))?;
        let mut de = serde_json::Deserializer::from_str(&text);
        serde_path_to_error::deserialize::<_, QuoteRequest>(&mut de).map_err(|e| {
            print_problems(&[trade::FieldError {
                field: e.path().to_string(),
                code: "invalid_json",
                detail: e.inner().to_string(),
            }]);
            QuoteCliError::Invalid
        })?
    } else {
        request_from_flags(&args)?
    };
    let input = request
        .validate(hub::clock::today_utc())
        .map_err(|errors| {
            print_problems(&errors);
            QuoteCliError::Invalid
        })?;
    let quote = tariff::quote(&packs, &input, |from, to| {
        fx.iter().find(|r| r.from == from && r.to == to).cloned()
    })
    .map_err(|e| {
        let field = match &e {
            tariff::QuoteError::NoPack(_) => "destination".to_string(),
            tariff::QuoteError::NoPackOnDate { .. } => "date".to_string(),
            tariff::QuoteError::FxRateMissing { .. } => "currency".to_string(),
            tariff::QuoteError::NoRate { line, .. } => format!("items[{line}].hs_code"),
            tariff::QuoteError::TooLarge { field } => field.clone(),
        };
        print_problems(&[trade::FieldError {
            field,
            code: "cannot_quote",
            detail: e.to_string(),
        }]);
        QuoteCliError::Invalid
    })?;
    let answer = QuoteJson {
        quote: &quote,
        input: &input,
    };
    let text = if args.compact {
        serde_json::to_string(&answer)
    } else {
        serde_json::to_string_pretty(&answer)
    }
    .map_err(|e| QuoteCliError::Usage(e.to_string()))?;
    println!("{text}");
    Ok(())
}

fn print_problems(errors: &[trade::FieldError]) {
    let body = serde_json::json!({ "errors": errors });
    eprintln!("{body}");
}

fn load_packs(dir: Option<&std::path::Path>) -> Result<tariff::PackSet, QuoteCliError> {
    let mut files = Vec::new();
    if let Some(dir) = dir {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| QuoteCliError::Usage(format!("--rules {}: {e}", dir.display())))?;
        for entry in entries {
            let entry = entry
                .map_err(|e| QuoteCliError::Usage(format!("--rules {}: {e}", dir.display())))?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some("toml") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| QuoteCliError::Usage(format!("{}: {e}", path.display())))?;
                files.push((entry.file_name().to_string_lossy().into_owned(), text));
            }
        }
        files.sort();
    }
    tariff::load_with_overrides(&files)
        .map_err(|e| QuoteCliError::Usage(format!("rule packs: {e}")))
}

fn parse_fx(specs: &[String]) -> Result<Vec<FxRate>, QuoteCliError> {
    specs
        .iter()
        .map(|spec| {
            let bad = || {
                QuoteCliError::Usage(format!(
                    "--fx `{spec}`: expected FROM/TO=RATE, e.g. USD/EUR=0.92"
                ))
            };
            let (pair, rate) = spec.split_once('=').ok_or_else(bad)?;
            let (from, to) = pair.split_once('/').ok_or_else(bad)?;
            let from = Currency::parse(from).map_err(|_| bad())?;
            let to = Currency::parse(to).map_err(|_| bad())?;
            let rate = Rate::parse_decimal(rate)
                .filter(|r| !r.is_zero())
                .ok_or_else(bad)?;
            Ok(FxRate {
                from,
                to,
                rate,
                source: "--fx flag".into(),
                as_of: "command line".into(),
            })
        })
        .collect()
}

fn request_from_flags(args: &QuoteArgs) -> Result<QuoteRequest, QuoteCliError> {
    let items = args
        .items
        .iter()
        .map(|spec| {
            let parts: Vec<&str> = spec.splitn(5, ':').collect();
            if parts.len() < 3 {
                return Err(QuoteCliError::Usage(format!(
                    "--item `{spec}`: expected HS:QUANTITY:UNIT_PRICE[:ORIGIN[:DESCRIPTION]]"
                )));
            }
            let quantity = parts[1].parse::<i64>().map_err(|_| {
                QuoteCliError::Usage(format!(
                    "--item `{spec}`: quantity `{}` is not a whole number",
                    parts[1]
                ))
            })?;
            Ok(QuoteItemRequest {
                hs_code: Some(parts[0].to_string()),
                quantity: Some(quantity),
                unit_price: Some(parts[2].to_string()),
                origin: parts
                    .get(3)
                    .filter(|s| !s.is_empty())
                    .map(|s| s.to_string()),
                description: parts.get(4).map(|s| s.to_string()),
                net_weight_kg: None,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(QuoteRequest {
        origin: args.origin.clone(),
        destination: args.destination.clone(),
        currency: args.currency.clone(),
        date: args.date.clone(),
        incoterm: args.incoterm.clone(),
        freight: args.freight.clone(),
        insurance: args.insurance.clone(),
        items: Some(items),
    })
}
