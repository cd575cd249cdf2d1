"""The app's screens: session list, session workspace, and the modal dialogs."""
