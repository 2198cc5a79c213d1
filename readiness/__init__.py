"""The read side: readiness per judgement area and the briefing pack (issues to come)."""
