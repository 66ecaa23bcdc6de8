"""What happens to a post after it is stored: tagging, clustering, scoring."""
