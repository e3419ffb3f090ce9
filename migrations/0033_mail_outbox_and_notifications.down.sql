DROP TABLE notification_settings, notifications, mail_outbox;
