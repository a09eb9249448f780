"""Block Kit rendering: pure functions from fleet assessments to Slack messages and views."""
