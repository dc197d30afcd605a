"""Escalation: what happens after a notification until someone owns the problem.

Today: acknowledgements of alert groups (`acks`) and telling the channels about them (`acknowledge`).
Escalation policies and on-call schedules belong here too (DESIGN.md).
"""
