"""The read side: how ready each judgement area is (`assess`, by the rules in `rules.yml`),
what falls due (`due`), and the briefing pack (`pack` gathers, `printing` lays it out)."""
