"""Approving and rejecting node repairs from Slack (`CLUSTERS_APPROVERS`).

`bot.approvals.flow.Approvals` decides (who may, the repair found again, the guard, the call,
the log, the thread note); `bot.approvals.listeners` wires it to Bolt: the Approve.../Reject...
clicks open a modal, and its submission decides.
"""
