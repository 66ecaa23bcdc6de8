"""collectors domain: fetchers turn a source into posts' and fact-checks' input records."""
