"""StaffGuide's bot: configuration, storage, reports, the CLI and the Telegram handlers."""
