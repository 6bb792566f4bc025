"""The partner portal: a partner's own requests, licences, keys, webhooks and payments."""
