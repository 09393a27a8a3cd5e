"""What to send, to whom, when: routing, rendering, the outbox and delivery."""
