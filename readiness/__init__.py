"""The read side: how ready each judgement area is (`assess`, by the rules in `rules.yml`),
what falls due (`due`), and, to come, the briefing pack."""
