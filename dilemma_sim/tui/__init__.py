"""The Textual app: screens in `screens/`, widgets in `widgets/`, styles in `.tcss` files.

The TUI holds no game logic: `session.GameSession` asks the engine and the widgets show what
comes back. Importing this package does not import Textual; `app.DilemmaApp` does.
"""
