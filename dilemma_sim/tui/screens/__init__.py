"""One screen per mode of the app: picker, briefing, turn, debrief, help and small modals."""
