"""The register of offenders against minors: entries kept by maintainers under four-eyes, and the
entry inquiries (single and batch) that employers must make before hiring for posts near children."""
