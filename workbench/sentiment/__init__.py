"""Sentiment of call-centre text, in Chinese and English, offline."""
