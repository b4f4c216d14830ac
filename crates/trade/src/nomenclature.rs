//! The Harmonized System nomenclature: chapters, headings and subheadings with their
//! descriptions, parsed from a CSV `section,hscode,description,parent,level` (the UN Comtrade
//! layout), with look-up by code and a word search. Pure: the caller reads the file.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

/// The header the file must start with, column for column.
pub const HEADER: [&str; 5] = ["section", "hscode", "description", "parent", "level"];

/// The parent of a chapter, and the code of the optional row describing the whole nomenclature.
const ROOT: &str = "TOTAL";

/// One chapter (2 digits), heading (4), subheading (6) or national line (8, 10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Roman numeral of the section (`XI`), as the file gives it.
    pub section: String,
    /// Digits only, e.g. `610910`.
    pub code: String,
    pub description: String,
    /// `None` for a chapter (its parent is `TOTAL` in the file).
    pub parent: Option<String>,
    /// The number of digits of the code: 2 chapter, 4 heading, 6 subheading.
    pub level: u8,
}

/// Why a file is not a nomenclature. Every variant names the 1-based line of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NomenclatureError {
    #[error("line {line}: the header must be `section,hscode,description,parent,level`, found `{found}`")]
    Header { line: usize, found: String },
    #[error(
        "line {line}: expected 5 columns (section,hscode,description,parent,level), found {found}"
    )]
    Columns { line: usize, found: usize },
    #[error("line {line}: {problem}")]
    Quoting { line: usize, problem: &'static str },
    #[error("line {line}: HS code `{code}` must be 2 to 10 digits, an even number of them")]
    Code { line: usize, code: String },
    #[error("line {line}: level `{level}` does not match code `{code}`, which has {} digits", .code.len())]
    Level {
        line: usize,
        code: String,
        level: String,
    },
    #[error("line {line}: parent `{parent}` of `{code}` is not a code of this file")]
    UnknownParent {
        line: usize,
        code: String,
        parent: String,
    },
    #[error("line {line}: parent `{parent}` of `{code}` is not a shorter prefix of it (a chapter's parent is TOTAL)")]
    ParentNotPrefix {
        line: usize,
        code: String,
        parent: String,
    },
    #[error("line {line}: code `{code}` already appears on line {first_line}")]
    Duplicate {
        line: usize,
        code: String,
        first_line: usize,
    },
    #[error("line {line}: the file has a header but no entries")]
    Empty { line: usize },
}

impl NomenclatureError {
    /// The 1-based line of the file at fault.
    pub fn line(&self) -> usize {
        match self {
            NomenclatureError::Header { line, .. }
            | NomenclatureError::Columns { line, .. }
            | NomenclatureError::Quoting { line, .. }
            | NomenclatureError::Code { line, .. }
            | NomenclatureError::Level { line, .. }
            | NomenclatureError::UnknownParent { line, .. }
            | NomenclatureError::ParentNotPrefix { line, .. }
            | NomenclatureError::Duplicate { line, .. }
            | NomenclatureError::Empty { line } => *line,
        }
    }
}

/// The whole nomenclature, indexed for look-up by code and search by word.
#[derive(Debug, Clone)]
pub struct Nomenclature {
    /// In file order.
    entries: Vec<Entry>,
    by_code: HashMap<String, usize>,
    /// Entry indices sorted by code: code-prefix search is a binary search plus a short walk.
    code_order: Vec<usize>,
    /// Per entry, its children's indices sorted by code.
    children: Vec<Vec<usize>>,
    /// Lowercased description word → ascending entry indices. A BTreeMap so that every word
    /// starting with a query word is one contiguous range.
    words: BTreeMap<String, Vec<usize>>,
    /// The description of the `TOTAL` row, e.g. "Total of all HS2022 commodities", if present.
    title: Option<String>,
}

impl Nomenclature {
    pub fn parse(text: &str) -> Result<Nomenclature, NomenclatureError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = CsvReader::new(text);
        let header = match reader.next_record() {
            Some(record) => record?,
            None => {
                return Err(NomenclatureError::Header {
                    line: 1,
                    found: String::new(),
                })
            }
        };
        if header.fields != HEADER {
            return Err(NomenclatureError::Header {
                line: header.line,
                found: header.fields.join(","),
            });
        }

        let mut entries: Vec<Entry> = Vec::new();
        let mut entry_lines: Vec<usize> = Vec::new();
        let mut by_code: HashMap<String, usize> = HashMap::new();
        let mut title: Option<(String, usize)> = None;
        while let Some(record) = reader.next_record() {
            let Record { line, fields } = record?;
            let found = fields.len();
            let Ok([section, code, description, parent, level]) = <[String; 5]>::try_from(fields)
            else {
                return Err(NomenclatureError::Columns { line, found });
            };
            if code == ROOT && parent == ROOT {
                if let Some((_, first_line)) = title {
                    return Err(NomenclatureError::Duplicate {
                        line,
                        code,
                        first_line,
                    });
                }
                title = Some((description, line));
                continue;
            }
            if !is_code_shape(&code) {
                return Err(NomenclatureError::Code { line, code });
            }
            let level_number = match level.parse::<u8>() {
                Ok(n) if usize::from(n) == code.len() => n,
                _ => return Err(NomenclatureError::Level { line, code, level }),
            };
            let parent = if parent == ROOT && code.len() == 2 {
                None
            } else if code.len() > 2
                && parent.len() < code.len()
                && code.starts_with(&parent)
                && !parent.is_empty()
            {
                Some(parent)
            } else {
                return Err(NomenclatureError::ParentNotPrefix { line, code, parent });
            };
            if let Some(&first) = by_code.get(&code) {
                return Err(NomenclatureError::Duplicate {
                    line,
                    code,
                    first_line: entry_lines[first],
                });
            }
            by_code.insert(code.clone(), entries.len());
            entry_lines.push(line);
            entries.push(Entry {
                section,
                code,
                description,
                parent,
                level: level_number,
            });
        }
        if entries.is_empty() {
            return Err(NomenclatureError::Empty { line: header.line });
        }

        // Parents may come after their children in the file, so they are checked once all are read.
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
        for (index, entry) in entries.iter().enumerate() {
            let Some(parent) = &entry.parent else {
                continue;
            };
            match by_code.get(parent) {
                Some(&p) => children[p].push(index),
                None => {
                    return Err(NomenclatureError::UnknownParent {
                        line: entry_lines[index],
                        code: entry.code.clone(),
                        parent: parent.clone(),
                    })
                }
            }
        }
        for list in &mut children {
            list.sort_by(|&a, &b| entries[a].code.cmp(&entries[b].code));
        }
        let mut code_order: Vec<usize> = (0..entries.len()).collect();
        code_order.sort_by(|&a, &b| entries[a].code.cmp(&entries[b].code));

        let mut words: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (index, entry) in entries.iter().enumerate() {
            for word in words_of(&entry.description) {
                let postings = words.entry(word).or_default();
                // Indices arrive in ascending order; a word repeated in one description is kept once.
                if postings.last() != Some(&index) {
                    postings.push(index);
                }
            }
        }

        Ok(Nomenclature {
            entries,
            by_code,
            code_order,
            children,
            words,
            title: title.map(|(text, _)| text),
        })
    }

    /// Number of entries (chapters, headings, subheadings), without the `TOTAL` row.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Never true for a parsed nomenclature (an empty file is an error); here for completeness.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The description of the file's `TOTAL` row, which names the edition, if it has one.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry of a code; dots and spaces are ignored (`6109.10` is `610910`).
    pub fn get(&self, code: &str) -> Option<&Entry> {
        self.index_of(code).map(|i| &self.entries[i])
    }

    /// The entries directly under a code, by code; empty for an unknown code or a leaf.
    pub fn children(&self, code: &str) -> Vec<&Entry> {
        match self.index_of(code) {
            Some(i) => self.children[i].iter().map(|&c| &self.entries[c]).collect(),
            None => Vec::new(),
        }
    }

    /// The chain above a code, chapter first (for `610910`: `61`, `6109`); empty for a chapter
    /// or an unknown code.
    pub fn ancestors(&self, code: &str) -> Vec<&Entry> {
        let mut chain = Vec::new();
        let mut current = self.get(code);
        while let Some(parent) = current
            .and_then(|e| e.parent.as_deref())
            .and_then(|p| self.get(p))
        {
            chain.push(parent);
            current = Some(parent);
        }
        chain.reverse();
        chain
    }

    /// Case-insensitive word search. Every query word must be the start of some word of the
    /// description (`t-shirt` finds "T-shirts"). Best first: more query words matching a whole
    /// word, then chapters before headings before subheadings, then by code. A query of digits
    /// (dots and spaces allowed) lists the codes starting with them instead.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Entry> {
        if limit == 0 {
            return Vec::new();
        }
        let compact: String = query.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
        if !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit()) {
            return self.search_code_prefix(&compact, limit);
        }
        let mut terms: Vec<String> = words_of(query).collect();
        terms.sort();
        terms.dedup();
        if terms.is_empty() {
            return Vec::new();
        }
        // Longest terms first: they usually match fewest entries, so the intersection shrinks fast.
        terms.sort_by_key(|t| std::cmp::Reverse(t.len()));
        let mut candidates: Option<Vec<usize>> = None;
        for term in &terms {
            let matching = self.entries_with_word_prefix(term);
            let narrowed = match candidates {
                None => matching,
                Some(previous) => intersect_sorted(&previous, &matching),
            };
            if narrowed.is_empty() {
                return Vec::new();
            }
            candidates = Some(narrowed);
        }
        let mut ranked: Vec<(usize, usize)> = candidates
            .unwrap_or_default()
            .into_iter()
            .map(|index| {
                let exact = terms
                    .iter()
                    .filter(|t| {
                        self.words
                            .get(t.as_str())
                            .is_some_and(|postings| postings.binary_search(&index).is_ok())
                    })
                    .count();
                (index, exact)
            })
            .collect();
        ranked.sort_by(|(a, exact_a), (b, exact_b)| {
            let (ea, eb) = (&self.entries[*a], &self.entries[*b]);
            exact_b
                .cmp(exact_a)
                .then(ea.level.cmp(&eb.level))
                .then_with(|| ea.code.cmp(&eb.code))
        });
        ranked
            .into_iter()
            .take(limit)
            .map(|(index, _)| &self.entries[index])
            .collect()
    }

    fn search_code_prefix(&self, prefix: &str, limit: usize) -> Vec<&Entry> {
        let start = self
            .code_order
            .partition_point(|&i| self.entries[i].code.as_str() < prefix);
        let mut found: Vec<&Entry> = self.code_order[start..]
            .iter()
            .map(|&i| &self.entries[i])
            .take_while(|e| e.code.starts_with(prefix))
            .collect();
        found.sort_by(|a, b| a.level.cmp(&b.level).then_with(|| a.code.cmp(&b.code)));
        found.truncate(limit);
        found
    }

    /// Ascending indices of the entries having a description word that starts with `prefix`.
    fn entries_with_word_prefix(&self, prefix: &str) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .words
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(word, _)| word.starts_with(prefix))
            .flat_map(|(_, postings)| postings.iter().copied())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    fn index_of(&self, code: &str) -> Option<usize> {
        let compact: String = code.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
        self.by_code.get(&compact).copied()
    }
}

/// The digits of a code as a client may write it (`6109.10`, `6109 10`), if it has the shape of
/// a nomenclature code: 2 to 10 digits, an even number of them.
pub fn normalize_code(text: &str) -> Option<String> {
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b' ')
    {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    is_code_shape(&digits).then_some(digits)
}

fn is_code_shape(code: &str) -> bool {
    (2..=10).contains(&code.len())
        && code.len().is_multiple_of(2)
        && code.bytes().all(|b| b.is_ascii_digit())
}

/// Lowercased runs of letters and digits: "T-shirts, singlets" → `t`, `shirts`, `singlets`.
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

fn intersect_sorted(a: &[usize], b: &[usize]) -> Vec<usize> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// One CSV record and the line it starts on.
struct Record {
    line: usize,
    fields: Vec<String>,
}

/// RFC 4180 records: fields separated by commas, records by LF or CRLF; a field in double
/// quotes may hold commas, line breaks and doubled quotes. Blank lines are skipped.
struct CsvReader<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> CsvReader<'a> {
    fn new(text: &'a str) -> Self {
        CsvReader {
            text,
            pos: 0,
            line: 1,
        }
    }

    fn next_record(&mut self) -> Option<Result<Record, NomenclatureError>> {
        loop {
            if self.pos >= self.text.len() {
                return None;
            }
            let line = self.line;
            // A blank line is no record (files often end with one).
            if self.eat_line_end() {
                continue;
            }
            let mut fields = Vec::new();
            loop {
                match self.field() {
                    Ok(field) => fields.push(field),
                    Err(problem) => {
                        return Some(Err(NomenclatureError::Quoting {
                            line: self.line,
                            problem,
                        }))
                    }
                }
                if self.rest().starts_with(',') {
                    self.pos += 1;
                    continue;
                }
                // The field readers stop only at a comma, a line end or the end of the text.
                self.eat_line_end();
                return Some(Ok(Record { line, fields }));
            }
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// Consumes an LF or CRLF; says whether there was one.
    fn eat_line_end(&mut self) -> bool {
        let rest = self.rest();
        let width = if rest.starts_with("\r\n") {
            2
        } else if rest.starts_with('\n') {
            1
        } else {
            return false;
        };
        self.pos += width;
        self.line += 1;
        true
    }

    fn at_field_end(&self) -> bool {
        let rest = self.rest();
        rest.is_empty()
            || rest.starts_with(',')
            || rest.starts_with('\n')
            || rest.starts_with("\r\n")
    }

    fn field(&mut self) -> Result<String, &'static str> {
        if !self.rest().starts_with('"') {
            let rest = self.rest();
            let end = rest
                .find([',', '\n'])
                .map(|end| {
                    if rest[..end].ends_with('\r') && rest[end..].starts_with('\n') {
                        end - 1
                    } else {
                        end
                    }
                })
                .unwrap_or(rest.len());
            let value = &rest[..end];
            if value.contains('"') {
                return Err(
                    "a quote inside an unquoted field (quote the whole field and double the quote)",
                );
            }
            self.pos += end;
            return Ok(value.to_string());
        }
        self.pos += 1;
        let mut value = String::new();
        loop {
            let rest = self.rest();
            let Some(quote) = rest.find('"') else {
                return Err("a quoted field is not closed before the end of the file");
            };
            let chunk = &rest[..quote];
            self.line += chunk.matches('\n').count();
            value.push_str(chunk);
            self.pos += quote + 1;
            if self.rest().starts_with('"') {
                value.push('"');
                self.pos += 1;
                continue;
            }
            if !self.at_field_end() {
                return Err("text after the closing quote of a field");
            }
            return Ok(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "\
section,hscode,description,parent,level
I,01,Animals; live,TOTAL,2
I,0101,\"Horses, asses, mules and hinnies; live\",01,4
I,010121,\"Horses; live, pure-bred breeding animals\",0101,6
I,010129,\"Horses; live, other than pure-bred breeding animals\",0101,6
XI,61,\"Apparel and clothing accessories; knitted or crocheted\",TOTAL,2
XI,6109,\"T-shirts, singlets and other vests; knitted or crocheted\",61,4
XI,610990,\"T-shirts, singlets and other vests; of textile materials (other than cotton), knitted or crocheted\",6109,6
XI,610910,\"T-shirts, singlets and other vests; of cotton, knitted or crocheted\",6109,6
XI,611020,\"Jerseys, \"\"pullovers\"\", cardigans; of cotton\",6110,6
XI,6110,\"Jerseys, pullovers, cardigans, waistcoats and similar articles
knitted or crocheted\",61,4
TOTAL,TOTAL,Total of all HS2022 commodities,TOTAL,5
";

    fn small() -> Nomenclature {
        Nomenclature::parse(SMALL).expect("the small sample parses")
    }

    fn codes(entries: &[&Entry]) -> Vec<String> {
        entries.iter().map(|e| e.code.clone()).collect()
    }

    #[test]
    fn reads_quoted_fields_commas_doubled_quotes_and_line_breaks() {
        let n = small();
        assert_eq!(n.len(), 10, "the TOTAL row is not an entry");
        assert_eq!(n.title(), Some("Total of all HS2022 commodities"));
        let horses = n.get("0101").expect("0101");
        assert_eq!(horses.description, "Horses, asses, mules and hinnies; live");
        assert_eq!(horses.parent.as_deref(), Some("01"));
        assert_eq!(horses.level, 4);
        assert_eq!(horses.section, "I");
        assert_eq!(
            n.get("611020").expect("611020").description,
            "Jerseys, \"pullovers\", cardigans; of cotton"
        );
        assert_eq!(
            n.get("6110").expect("6110").description,
            "Jerseys, pullovers, cardigans, waistcoats and similar articles\nknitted or crocheted"
        );
        assert_eq!(n.get("01").expect("01").parent, None);
    }

    #[test]
    fn crlf_bom_and_a_missing_final_line_break_are_accepted() {
        let text = format!("\u{feff}{}", SMALL.replace('\n', "\r\n"));
        let n = Nomenclature::parse(text.trim_end()).expect("CRLF parses");
        assert_eq!(n.len(), 10);
        assert_eq!(
            n.get("6110").expect("6110").description,
            "Jerseys, pullovers, cardigans, waistcoats and similar articles\r\nknitted or crocheted"
        );
        assert_eq!(
            n.get("0101").expect("0101").description,
            "Horses, asses, mules and hinnies; live"
        );
    }

    #[test]
    fn look_up_ignores_dots_and_spaces_and_walks_the_tree() {
        let n = small();
        assert_eq!(n.get("6109.10").map(|e| e.code.as_str()), Some("610910"));
        assert_eq!(n.get("6109 10").map(|e| e.code.as_str()), Some("610910"));
        assert!(n.get("610911").is_none());
        assert_eq!(codes(&n.ancestors("610910")), ["61", "6109"]);
        assert!(n.ancestors("61").is_empty());
        assert!(n.ancestors("999999").is_empty());
        assert_eq!(
            codes(&n.children("6109")),
            ["610910", "610990"],
            "by code, not file order"
        );
        assert_eq!(codes(&n.children("61")), ["6109", "6110"]);
        assert!(n.children("610910").is_empty());
        assert_eq!(normalize_code("6109.10").as_deref(), Some("610910"));
        for bad in ["61091", "6", "12345678901", "61-09", "abcd", ""] {
            assert_eq!(normalize_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn search_matches_word_prefixes_and_ranks_exact_words_first() {
        let n = small();
        assert_eq!(
            codes(&n.search("t-shirts", 10)),
            ["6109", "610910", "610990"]
        );
        // 610990 says "(other than cotton)": a word search cannot tell, so it is found too.
        assert_eq!(codes(&n.search("T-SHIRT cotton", 10)), ["610910", "610990"]);
        assert_eq!(codes(&n.search("cott", 10)), ["610910", "610990", "611020"]);
        // Every word must match: 01 says "live" but not "horse".
        assert_eq!(
            codes(&n.search("horse live", 10)),
            ["0101", "010121", "010129"]
        );
        assert_eq!(codes(&n.search("pull", 10)), ["6110", "611020"]);
        assert_eq!(
            codes(&n.search("jerseys pullovers", 10)),
            ["6110", "611020"]
        );
        assert_eq!(codes(&n.search("knitted", 10))[0], "61");
        assert_eq!(codes(&n.search("anim", 10)), ["01", "010121", "010129"]);
        assert!(n.search("zebra", 10).is_empty());
        assert!(n.search("horses zebra", 10).is_empty());
        assert!(n.search(" ;, ", 10).is_empty());
        assert_eq!(n.search("t-shirts", 2).len(), 2);
        assert!(n.search("t-shirts", 0).is_empty());
    }

    #[test]
    fn exact_word_matches_rank_first() {
        let text = "\
section,hscode,description,parent,level
I,01,Cottonwood things,TOTAL,2
I,02,Cotton things,TOTAL,2
I,0101,Cotton,01,4
";
        let n = Nomenclature::parse(text).expect("parses");
        assert_eq!(codes(&n.search("cotton", 10)), ["02", "0101", "01"]);
    }

    #[test]
    fn digits_search_by_code_prefix() {
        let n = small();
        assert_eq!(
            codes(&n.search("61", 10)),
            ["61", "6109", "6110", "610910", "610990", "611020"]
        );
        assert_eq!(codes(&n.search("6109.9", 10)), ["610990"]);
        assert_eq!(codes(&n.search("0101", 2)), ["0101", "010121"]);
        assert!(n.search("62", 10).is_empty());
    }

    fn error_of(body: &str) -> NomenclatureError {
        let text = format!("section,hscode,description,parent,level\n{body}");
        Nomenclature::parse(&text).expect_err("the sample is malformed")
    }

    #[test]
    fn every_error_names_its_line() {
        let wrong_header =
            Nomenclature::parse("section,code,description,parent,level\n01,x,TOTAL,2\n")
                .expect_err("wrong header");
        assert!(matches!(
            wrong_header,
            NomenclatureError::Header { line: 1, .. }
        ));
        assert!(
            wrong_header.to_string().starts_with("line 1: "),
            "{wrong_header}"
        );
        assert!(matches!(
            Nomenclature::parse("").expect_err("empty text"),
            NomenclatureError::Header { line: 1, .. }
        ));

        let cases: Vec<(&str, NomenclatureError)> = vec![
            (
                "I,01,Animals; live,TOTAL,2\nI,0101,Horses,01\n",
                NomenclatureError::Columns { line: 3, found: 4 },
            ),
            (
                "I,01,Animals; live,TOTAL,2,extra\n",
                NomenclatureError::Columns { line: 2, found: 6 },
            ),
            (
                "I,01,\"Animals, \"live\",TOTAL,2\n",
                NomenclatureError::Quoting { line: 2, problem: "text after the closing quote of a field" },
            ),
            (
                "I,01,Animals \"live\",TOTAL,2\n",
                NomenclatureError::Quoting {
                    line: 2,
                    problem: "a quote inside an unquoted field (quote the whole field and double the quote)",
                },
            ),
            (
                "I,01,Animals,TOTAL,2\nI,0101,\"Horses\nstill open,01,4\n",
                NomenclatureError::Quoting {
                    line: 3,
                    problem: "a quoted field is not closed before the end of the file",
                },
            ),
            ("I,1a,Animals,TOTAL,2\n", NomenclatureError::Code { line: 2, code: "1a".into() }),
            ("I,010,Animals,TOTAL,3\n", NomenclatureError::Code { line: 2, code: "010".into() }),
            ("I,,Animals,TOTAL,0\n", NomenclatureError::Code { line: 2, code: String::new() }),
            (
                "I,010101010101,Animals,TOTAL,12\n",
                NomenclatureError::Code { line: 2, code: "010101010101".into() },
            ),
            (
                "I,01,Animals,TOTAL,2\nI,0101,Horses,01,6\n",
                NomenclatureError::Level { line: 3, code: "0101".into(), level: "6".into() },
            ),
            (
                "I,01,Animals,TOTAL,two\n",
                NomenclatureError::Level { line: 2, code: "01".into(), level: "two".into() },
            ),
            (
                "I,01,Animals,TOTAL,2\nI,010121,Horses,0101,6\n",
                NomenclatureError::UnknownParent { line: 3, code: "010121".into(), parent: "0101".into() },
            ),
            (
                "I,01,Animals,TOTAL,2\nI,02,Meat,TOTAL,2\nI,0101,Horses,02,4\n",
                NomenclatureError::ParentNotPrefix { line: 4, code: "0101".into(), parent: "02".into() },
            ),
            (
                "I,01,Animals,TOTAL,2\nI,0101,Horses,TOTAL,4\n",
                NomenclatureError::ParentNotPrefix { line: 3, code: "0101".into(), parent: "TOTAL".into() },
            ),
            (
                "I,01,Animals,TOTAL,2\nI,02,Meat,01,2\n",
                NomenclatureError::ParentNotPrefix { line: 3, code: "02".into(), parent: "01".into() },
            ),
            (
                "I,01,Animals,TOTAL,2\nI,0101,Horses,0101,4\n",
                NomenclatureError::ParentNotPrefix { line: 3, code: "0101".into(), parent: "0101".into() },
            ),
            (
                "I,01,Animals,TOTAL,2\nI,0101,Horses,01,4\nI,01,Animals again,TOTAL,2\n",
                NomenclatureError::Duplicate { line: 4, code: "01".into(), first_line: 2 },
            ),
            // The line of a record after a quoted line break counts that break.
            (
                "I,01,\"Animals;\nlive\",TOTAL,2\nI,0101,Horses,01,5\n",
                NomenclatureError::Level { line: 4, code: "0101".into(), level: "5".into() },
            ),
            ("\n", NomenclatureError::Empty { line: 1 }),
        ];
        for (body, expected) in cases {
            let error = error_of(body);
            assert_eq!(error, expected, "{body:?}");
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("line {}: ", expected.line())),
                "{error}"
            );
        }
    }
}
