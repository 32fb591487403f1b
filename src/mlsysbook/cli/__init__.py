"""The `mlsysbook` command. Command groups import their pillar only when run, so
`mlsysbook --help` stays fast."""
