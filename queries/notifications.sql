-- name: recipient
-- Who a notification of a kind goes to and how: the account's address and name, whether mail may go to it (an
-- active account with a confirmed address), and the person's channels for the kind, or the defaults given.
SELECT u.id, u.email, u.name,
       u.is_active AND u.email_verified_at IS NOT NULL AS mail_allowed,
       coalesce(s.by_mail, :default_mail::boolean) AS by_mail,
       coalesce(s.in_site, :default_site::boolean) AS in_site
  FROM users u
  LEFT JOIN notification_settings s ON s.user_id = u.id AND s.kind = :kind
 WHERE u.id = :user_id;

-- name: insert
-- A new in-site notification for a person; returns its id.
INSERT INTO notifications (user_id, kind, title, body, url)
VALUES (:user_id, :kind, :title, :body, :url)
RETURNING id;

-- name: settings
-- A person's stored channel choices, by kind (kinds without a row use their defaults).
SELECT kind, by_mail, in_site FROM notification_settings WHERE user_id = :user_id;

-- name: set_setting
-- Store a person's channels for one kind.
INSERT INTO notification_settings (user_id, kind, by_mail, in_site)
VALUES (:user_id, :kind, :by_mail, :in_site)
ON CONFLICT (user_id, kind) DO UPDATE SET by_mail = excluded.by_mail, in_site = excluded.in_site, updated_at = now();

-- name: stop_mail
-- One-click unsubscribe: no more mail of a kind for a person (in-site notifications as they were, or the default).
INSERT INTO notification_settings (user_id, kind, by_mail, in_site)
VALUES (:user_id, :kind, false, :default_site)
ON CONFLICT (user_id, kind) DO UPDATE SET by_mail = false, updated_at = now();
