"""Citizen tipline: a Telegram bot that takes forwarded messages and links as posts."""
