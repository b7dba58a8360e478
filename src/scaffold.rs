//! `casebook init` and `casebook new`: files a user starts from. They are written
//! once and then belong to the user, so they carry comments that teach the format.

use anyhow::{bail, Context};
use casebook::config::template::toml_string;
use casebook::config::Config;
use casebook::model::incident::{is_valid_id, slugify};
use std::path::{Path, PathBuf};

fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    if path.exists() {
        bail!("{} already exists; not overwriting it", path.display());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

pub fn init(dir: &Path) -> anyhow::Result<()> {
    let config = dir.join(casebook::config::CONFIG_FILE);
    if config.exists() {
        bail!(
            "{} already has a casebook.toml; it is an archive already",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let today = jiff::Zoned::now().date();
    let example = incident_text(
        "Example: checkout errors after a database failover",
        today,
        &["checkout".into()],
        Some("SEV3"),
        true,
    );
    let id = format!("{today}-example-checkout-errors");
    write_new(&dir.join(format!("content/incidents/{id}.md")), &example)?;
    write_new(
        &dir.join("content/systems/checkout.md"),
        "+++\nname = \"Checkout\"\nteam = \"payments\"\ntier = 1\n+++\nTakes a basket to a paid order. Describe what the system does and who owns it.\n",
    )?;
    write_new(&config, &casebook::config::template::text())?;
    write_new(
        &dir.join(".gitignore"),
        "/public/\n/.public.casebook-*\n/.casebook-cache/\n",
    )?;
    Ok(())
}

/// `casebook init --adopt`: writes DIR/casebook.toml from what DIR's write-ups
/// hold and says what it found. Moves and rewrites nothing else.
pub fn adopt(dir: &Path, force: bool, quiet: bool) -> anyhow::Result<()> {
    use casebook::adopt;
    let config = dir.join(casebook::config::CONFIG_FILE);
    if config.exists() && !force {
        bail!(
            "{} exists; not overwriting it (add --force to replace it with the suggested one)",
            config.display()
        );
    }
    let survey = adopt::survey(dir)?;
    let suggestions = adopt::suggest(&survey);
    std::fs::write(&config, adopt::render_config(&suggestions))
        .with_context(|| format!("cannot write {}", config.display()))?;
    if quiet {
        return Ok(());
    }
    println!(
        "Found {} write-up(s) in {}, {} with front matter.",
        suggestions.files,
        dir.join(&survey.incidents).display(),
        suggestions.with_front_matter
    );
    for (key, to) in &suggestions.aliases {
        println!(
            "  {} -> {} ({} of {} files)",
            key.name,
            to.join(", "),
            key.files,
            suggestions.files
        );
    }
    if !suggestions.ignore.is_empty() {
        let names: Vec<&str> = suggestions.ignore.iter().map(|k| k.name.as_str()).collect();
        println!("  ignored: {}", names.join(", "));
    }
    if !suggestions.unmapped.is_empty() {
        println!(
            "  {} key(s) with no casebook field are listed in casebook.toml for you to map or ignore",
            suggestions.unmapped.len()
        );
    }
    for (path, why) in &suggestions.unreadable {
        println!(
            "  cannot read the front matter of {}: {why}",
            path.display()
        );
    }
    println!(
        "Wrote {}. Read it, then next: casebook check --adoption, and casebook build",
        config.display()
    );
    Ok(())
}

fn incident_text(
    title: &str,
    date: jiff::civil::Date,
    systems: &[String],
    severity: Option<&str>,
    example: bool,
) -> String {
    let systems = systems
        .iter()
        .map(|s| toml_string(s))
        .collect::<Vec<_>>()
        .join(", ");
    let severity = severity.map_or_else(
        || "# severity = \"SEV3\"".to_owned(),
        |s| format!("severity = {}", toml_string(s)),
    );
    let body = if example {
        "## Summary\n\nFor 25 minutes about 3% of checkouts failed after the primary database failed over, because the connection pool kept connections to the old primary.\n\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n| 09:12 | Primary fails over |\n| 09:20 | Checkout error-rate alert fires |\n| 09:37 | Pods restarted; errors stop |\n\n## What went well\n\n- The alert fired within eight minutes.\n\n## Action items\n\n- [ ] Recycle pool connections on failover @sam due:2030-01-31\n- [x] Add a failover drill to the on-call runbook @kim\n"
    } else {
        "## Summary\n\nWhat happened, who was affected, for how long — in two or three sentences.\n\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n|  |  |\n\n## Contributing factors\n\n## What went well\n\n## Action items\n\n- [ ] A specific change, with an owner and a due date @owner due:YYYY-MM-DD\n"
    };
    format!(
        "+++\ntitle = {}\ndate = {date}\n{severity}\nstatus = \"resolved\"          # or \"ongoing\"\nsystems = [{systems}]\ntags = []\ncontributing_factors = []\nauthors = []\n# repeat_of = [\"earlier-incident-id\"]   # this happened before\n# visibility = \"public\"                 # may appear in a public build\n{draft}\n[timeline]\n# started = {date}T09:12:00Z\n# detected = {date}T09:20:00Z\n# mitigated = {date}T09:37:00Z\n# resolved = {date}T10:05:00Z\n\n# [[follow_ups]]\n# title = \"Alert on replica lag > 30s\"\n# owner = \"sam\"\n# status = \"open\"                     # open | in_progress | done | wont_do\n# due = {date}\n+++\n{body}",
        toml_string(title),
        draft = if example { "" } else { "draft = true\n" },
    )
}

/// Writes a new write-up under content/incidents/YEAR/ with a free id; returns its path.
pub fn new_incident(
    config: &Config,
    title: &str,
    systems: &[String],
    severity: Option<&str>,
    date: Option<jiff::civil::Date>,
) -> anyhow::Result<PathBuf> {
    if title.trim().is_empty() {
        bail!("the title is empty; give the incident a short, specific title");
    }
    if let Some(sev) = severity {
        if config.severity_rank(sev).is_none() {
            bail!(
                "\"{sev}\" is not a severity in this archive; use one of {}",
                config.file.severities.join(", ")
            );
        }
    }
    for s in systems {
        if !is_valid_id(s) {
            bail!("system \"{s}\" may only use a-z, 0-9 and -");
        }
    }
    let date = date.unwrap_or_else(|| jiff::Zoned::now().date());
    let mut slug: String = slugify(title)
        .split('-')
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        slug = "incident".into();
    }
    let taken = existing_ids(config);
    let base = format!("{date}-{slug}");
    let id = std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|id| !taken.contains(id))
        .unwrap_or(base);
    let path = config
        .root
        .join(&config.file.content.incidents)
        .join(date.year().to_string())
        .join(format!("{id}.md"));
    write_new(&path, &incident_text(title, date, systems, severity, false))?;
    Ok(path)
}

fn existing_ids(config: &Config) -> std::collections::HashSet<String> {
    casebook::load::find_sources(&config.root, &config.file.content)
        .files
        .into_iter()
        .filter(|(k, _)| *k == casebook::load::Kind::Incident)
        .map(|(_, p)| casebook::model::incident::default_id(&casebook::load::stem_of(&p)))
        .collect()
}
