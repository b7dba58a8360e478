//! `casebook ci github|gitlab`: a ready CI workflow, printed for the user to
//! commit. It builds on every push **and daily** (overdue states and ages change
//! with the date), checks with annotations on the diff, builds the internal site
//! and the public one, and keeps `.casebook-cache/` between runs. Written once
//! and then the user's, like `casebook init`'s files.

use crate::cli::CiHost;

const GITHUB: &str = r#"# .github/workflows/casebook.yml — written by `casebook ci github`.
# Checks every push (problems show on the pull request's diff), and builds the
# archive on every push to main and every morning: follow-ups become overdue with
# the date, not with a commit.
name: casebook
on:
  push:
  pull_request:
  schedule:
    - cron: "17 5 * * *"
  workflow_dispatch:

jobs:
  archive:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      pages: write
      id-token: write
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache@v4
        with:
          path: .casebook-cache
          key: casebook-${{ github.ref_name }}-${{ github.run_id }}
          restore-keys: casebook-${{ github.ref_name }}-
      # casebook from its repository (or a release binary you keep beside the archive).
      - name: Install casebook
        run: cargo install --locked --git "${CASEBOOK_GIT:-https://github.com/casebook-dev/casebook}" casebook
      # Optional: refresh follow-up statuses from your tracker's export, e.g.
      # - run: curl -fsSL "$TRACKER_EXPORT_URL" -o follow-ups.csv
      #   env: { TRACKER_EXPORT_URL: "${{ secrets.TRACKER_EXPORT_URL }}" }
      # and add `--follow-up-status follow-ups.csv` to both builds below.
      - name: Check (annotations on the diff)
        run: casebook check --strict --format github
      - name: Build the internal archive
        run: casebook build --output site/internal
      - name: Build the public RCAs
        run: casebook build --audience public --output site/public
      # GitHub Pages publishes one site: the public one. Publish site/internal
      # behind your SSO (an internal bucket, or Pages of a private repository).
      - if: github.ref == 'refs/heads/main'
        uses: actions/upload-pages-artifact@v3
        with:
          path: site/public
      - if: github.ref == 'refs/heads/main'
        uses: actions/deploy-pages@v4
"#;

const GITLAB: &str = r#"# .gitlab-ci.yml — written by `casebook ci gitlab`.
# Checks every push and builds on every push to the default branch and on a
# daily pipeline schedule (CI/CD > Schedules): follow-ups become overdue with
# the date, not with a commit.
stages: [check, build]

default:
  image: rust:latest
  cache:
    key: casebook
    paths: [.casebook-cache/]
  # casebook from its repository (or a release binary you keep beside the archive).
  before_script:
    - cargo install --locked --git "${CASEBOOK_GIT:-https://github.com/casebook-dev/casebook}" casebook

check:
  stage: check
  script:
    - casebook check --strict --format json > casebook-check.json || (cat casebook-check.json; exit 1)
  artifacts:
    when: always
    paths: [casebook-check.json]

build:
  stage: build
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
    - if: $CI_PIPELINE_SOURCE == "schedule"
  script:
    # Optional: refresh follow-up statuses from your tracker's export and add
    # `--follow-up-status follow-ups.csv` to both builds.
    - casebook build --output public-internal
    - casebook build --audience public --output public
  artifacts:
    paths: [public, public-internal]

# GitLab Pages publishes `public/`: the public RCAs. Serve public-internal
# behind your SSO (an internal bucket: `aws s3 sync public-internal s3://...`).
pages:
  stage: build
  needs: [build]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script: ["true"]
  artifacts:
    paths: [public]
"#;

/// The workflow text for `host`.
pub fn workflow(host: CiHost) -> &'static str {
    match host {
        CiHost::Github => GITHUB,
        CiHost::Gitlab => GITLAB,
    }
}
