//! `posture import defillama`: draft manifests and refresh TVL figures from a saved DefiLlama
//! `protocols` export. A refresh rewrites only the TVL lines (`tvl_usd` and its `# TVL:`
//! comment), through `toml_edit`, so every researched fact and comment stays as it was.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use toml_edit::{DocumentMut, Item, Table, Value};

use super::common::*;
use crate::core::date::Date;
use crate::load::defillama::{self, Listing};

/// Where imported facts come from.
#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// A saved DefiLlama `protocols` export (`curl https://api.llama.fi/protocols > FILE`).
    /// Drafts a manifest for each `--slug` that has none in DIR, and refreshes the TVL of
    /// every manifest in DIR whose id DefiLlama lists, touching no other fact.
    Defillama(DefillamaArgs),
}

/// Flags of `posture import defillama`.
#[derive(Debug, Args)]
pub struct DefillamaArgs {
    /// The saved export: the JSON array https://api.llama.fi/protocols returns.
    pub export: PathBuf,
    /// The day the export was saved: the date its TVL figures are stated as of.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub as_of: Date,
    /// Folder of manifests to refresh, and where drafts are written.
    #[arg(long, value_name = "DIR", default_value = "protocols")]
    pub into: PathBuf,
    /// Only these DefiLlama slugs (repeatable); a slug with no manifest in DIR gets a draft.
    /// Without it, every reference manifest in DIR that DefiLlama lists is refreshed.
    #[arg(long = "slug", value_name = "SLUG")]
    pub slugs: Vec<String>,
    /// Say what would change, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub(crate) fn run(
    source: &ImportSource,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    match source {
        ImportSource::Defillama(args) => defillama_run(args, out, err),
    }
}

fn defillama_run(args: &DefillamaArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let src = match crate::load::read(&args.export, 256 << 20) {
        Ok(s) => s,
        Err(d) => {
            emit(err, &[d], None)?;
            return Ok(exit::BAD_INPUT);
        }
    };
    let listings = match defillama::listings(&src) {
        Ok(l) => l,
        Err(d) => {
            emit(err, &[d], Some(&src.text))?;
            return Ok(exit::BAD_INPUT);
        }
    };
    let find = |slug: &str| listings.iter().find(|l| l.slug == slug);
    for slug in &args.slugs {
        if find(slug).is_none() {
            let slugs: Vec<&str> = listings.iter().map(|l| l.slug.as_str()).collect();
            let help = crate::load::diagnostics::did_you_mean(slug, &slugs, "slugs")
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            writeln!(
                err,
                "error: {}: DefiLlama lists no protocol with the slug `{slug}`{help}",
                args.export.display()
            )?;
            return Ok(exit::BAD_INPUT);
        }
        if !crate::core::validate::kebab(slug) {
            writeln!(
                err,
                "error: `{slug}` cannot be a manifest id: ids are kebab-case (lower-case letters, digits and dashes)"
            )?;
            return Ok(exit::BAD_INPUT);
        }
    }
    let mut code = exit::OK;
    let mut done = Vec::new();
    for path in reference_manifests(&args.into)? {
        let id = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let chosen = args.slugs.is_empty() || args.slugs.iter().any(|s| s == id);
        let Some(listing) = find(id).filter(|_| chosen) else {
            continue;
        };
        done.push(id.to_string());
        let text = match crate::load::read(&path, crate::load::DEFAULT_MAX_BYTES) {
            Ok(s) => s.text,
            Err(d) => {
                emit(err, &[d], None)?;
                code = exit::BAD_INPUT;
                continue;
            }
        };
        match refresh(&text, listing, args.as_of) {
            Ok((new, change)) if new == text => {
                writeln!(out, "unchanged {}: {change}", path.display())?;
            }
            Ok((new, change)) => {
                if !args.dry_run {
                    write_file(&path, &new, true)?;
                }
                writeln!(out, "refreshed {}: {change}", path.display())?;
            }
            Err(why) => {
                writeln!(
                    err,
                    "error: {}: {why}; the file is left as it was",
                    path.display()
                )?;
                code = exit::BAD_INPUT;
            }
        }
    }
    for slug in args.slugs.iter().filter(|s| !done.contains(s)) {
        let Some(listing) = find(slug) else { continue };
        let path = args.into.join(format!("{slug}.toml"));
        if !args.dry_run {
            write_file(&path, &draft(listing, args.as_of), false)?;
        }
        writeln!(
            out,
            "drafted {}: name, kind, website and TVL only; research every other table before grading it",
            path.display()
        )?;
    }
    if args.dry_run {
        writeln!(out, "dry run: nothing written")?;
    }
    Ok(code)
}

/// The reference manifests of a folder (no `@` in the name), in name order.
fn reference_manifests(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot read {}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.contains('@'))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The comment line every reference TVL is stated with (docs/DATA.md).
fn tvl_line(listing: &Listing, as_of: Date) -> String {
    format!(
        "# TVL: DefiLlama-style (deposits, borrows excluded), as of {as_of}, {}\n",
        listing.page()
    )
}

/// Whole dollars with `_` between thousands, as manifests write money.
fn usd(x: f64) -> Value {
    let digits = format!("{:.0}", x.max(0.0));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('_');
        }
        grouped.push(c);
    }
    grouped
        .parse()
        .unwrap_or_else(|_| Value::from(x.round() as i64))
}

/// Sets `tvl_usd` in a table, with the `# TVL:` line as the last line of the comments above
/// it (an older `# TVL:` line is dropped); other comments stay.
fn set_tvl(table: &mut Table, figure: f64, line: &str) {
    let old_prefix = table
        .key("tvl_usd")
        .and_then(|k| k.leaf_decor().prefix())
        .and_then(|p| p.as_str())
        .unwrap_or_default()
        .to_string();
    let kept: String = old_prefix
        .split_inclusive('\n')
        .filter(|l| !l.trim_start().starts_with("# TVL:"))
        .collect();
    let mut value = usd(figure);
    if let Some(Item::Value(old)) = table.get("tvl_usd") {
        *value.decor_mut() = old.decor().clone();
    } else {
        value.decor_mut().set_prefix(" ");
    }
    table.insert("tvl_usd", Item::Value(value));
    if let Some(mut key) = table.key_mut("tvl_usd") {
        key.leaf_decor_mut().set_prefix(format!("{kept}{line}"));
    }
}

/// A manifest's text with its TVL figures refreshed from a listing, and what changed in words.
fn refresh(text: &str, listing: &Listing, as_of: Date) -> Result<(String, String), String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("not TOML that can be edited in place ({e})"))?;
    let line = tvl_line(listing, as_of);
    let total = listing.tvl();
    let protocol = doc
        .get_mut("protocol")
        .and_then(Item::as_table_mut)
        .ok_or("it has no [protocol] table")?;
    let before = protocol
        .get("tvl_usd")
        .and_then(Item::as_value)
        .map(|v| v.to_string());
    set_tvl(protocol, total, &line);
    let mut chains = 0;
    let by_chain = listing.tvl_by_chain();
    if let Some(deployments) = doc
        .get_mut("deployments")
        .and_then(Item::as_array_of_tables_mut)
    {
        for d in deployments.iter_mut() {
            let chain = d
                .get("chain")
                .and_then(Item::as_str)
                .map(defillama::chain_name);
            if let Some((_, figure)) = by_chain.iter().find(|(c, _)| Some(c) == chain.as_ref()) {
                set_tvl(d, *figure, &line);
                chains += 1;
            }
        }
    }
    let new = doc.to_string();
    // What was refreshed must still be a valid manifest: never write one that is not.
    let src = crate::load::Source::new("refreshed", new.clone());
    if let Err(d) = crate::load::manifest(&src) {
        let why = d.first().map(|d| d.message.clone()).unwrap_or_default();
        return Err(format!("the refreshed file would not load ({why})"));
    }
    let before = before.map_or("none".to_string(), |b| b.trim().to_string());
    let after = usd(total).to_string();
    let stated = doc
        .get("protocol")
        .and_then(|p| p.get("as_of"))
        .and_then(Item::as_value)
        .map(|v| v.to_string().trim().to_string())
        .filter(|d| *d != as_of.to_string())
        .map(|d| format!(" (the manifest's other facts stay as of {d})"))
        .unwrap_or_default();
    Ok((
        new,
        format!(
            "tvl_usd {before} -> {}, {chains} chain figure(s){stated}",
            after.trim()
        ),
    ))
}

/// A link fit to quote in a comment: http(s), no spaces or control characters that could end
/// the comment and start a line of TOML.
fn quotable(link: &str) -> bool {
    (link.starts_with("https://") || link.starts_with("http://"))
        && !link.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A draft manifest: what DefiLlama says of the protocol, every other table left unknown.
fn draft(listing: &Listing, as_of: Date) -> String {
    let mut doc = DocumentMut::new();
    let mut protocol = Table::new();
    protocol.insert("id", toml_edit::value(listing.slug.as_str()));
    protocol.insert("name", toml_edit::value(listing.name.as_str()));
    protocol.insert("kind", toml_edit::value(listing.kind()));
    protocol.insert(
        "as_of",
        toml_edit::value(toml_edit::Datetime {
            date: Some(toml_edit::Date {
                year: as_of.year(),
                month: as_of.month(),
                day: as_of.day(),
            }),
            time: None,
            offset: None,
        }),
    );
    set_tvl(&mut protocol, listing.tvl(), &tvl_line(listing, as_of));
    if let Some(url) = listing.url.as_deref().filter(|u| quotable(u)) {
        protocol.insert("website", toml_edit::value(url));
    }
    protocol.insert("source", toml_edit::value(listing.page()));
    let category = listing
        .category
        .as_deref()
        .unwrap_or("none")
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>();
    if let Some(mut key) = protocol.key_mut("kind") {
        key.leaf_decor_mut().set_prefix(format!(
            "# From DefiLlama's category {category:?}: check it against the protocol's own docs.\n"
        ));
    }
    doc.insert("protocol", Item::Table(protocol));
    let mut deployments = toml_edit::ArrayOfTables::new();
    for (chain, figure) in listing.tvl_by_chain() {
        let mut d = Table::new();
        d.insert("chain", toml_edit::value(chain));
        set_tvl(&mut d, figure, &tvl_line(listing, as_of));
        d.insert("source", toml_edit::value(listing.page()));
        deployments.push(d);
    }
    if !deployments.is_empty() {
        doc.insert("deployments", Item::ArrayOfTables(deployments));
    }
    let leads: String = listing
        .audit_links
        .iter()
        .filter(|l| quotable(l))
        .map(|l| format!("#   {l}\n"))
        .collect();
    let leads = if leads.is_empty() {
        "# DefiLlama lists no audit links for it.\n".to_string()
    } else {
        format!(
            "# Audit links the protocol gave DefiLlama (self-attested leads, not facts: read each\n# report, then write an [[audits]] entry with the versions it covers):\n{leads}"
        )
    };
    format!(
        "#:schema ../schemas/manifest.schema.json\nformat = 1\n\n# Draft from DefiLlama's protocols export saved {as_of} (`posture import defillama`):\n# name, kind, website and TVL only. Every other table is unknown until researched: add each\n# with its source, or a [[not_found]] entry saying where you looked (docs/DATA.md).\n{leads}\n{doc}"
    )
}

/// Writes a file whole or not at all: a temporary file beside it, renamed into place. A new
/// file (`replace` false) never replaces one that appeared meanwhile.
fn write_file(path: &Path, text: &str, replace: bool) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    let done = if replace {
        tmp.persist(path)
    } else {
        tmp.persist_noclobber(path)
    };
    done.map(|_| ()).map_err(|e| {
        io::Error::new(
            e.error.kind(),
            format!("cannot write {}: {}", path.display(), e.error),
        )
    })
}
