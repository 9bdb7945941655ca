"""Widgets of the turn and debrief screens; each is told what to show and posts messages up."""
