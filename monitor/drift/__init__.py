"""drift domain: today's scores against the promoted model's validation profile."""
