-- name: recipients
-- notifications.recipient for several people at once (their ids in :user_ids): one row per account that exists.
SELECT u.id, u.email, u.name,
       u.is_active AND u.email_verified_at IS NOT NULL AS mail_allowed,
       coalesce(s.by_mail, :default_mail::boolean) AS by_mail,
       coalesce(s.in_site, :default_site::boolean) AS in_site
  FROM users u
  LEFT JOIN notification_settings s ON s.user_id = u.id AND s.kind = :kind
 WHERE u.id = ANY(:user_ids::bigint[]);

-- name: insert_many
-- New in-site notifications of one kind, one per element of the arrays (in step: user_ids, titles, bodies, urls).
INSERT INTO notifications (user_id, kind, title, body, url)
SELECT n.user_id, :kind, n.title, n.body, n.url
  FROM unnest(:user_ids::bigint[], :titles::text[], :bodies::text[], :urls::text[]) AS n (user_id, title, body, url);

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

-- name: page
-- A person's in-site notifications, newest first, after the keyset (created_at, id) when given (over
-- notifications_user_created_idx); an empty list when there are none (more).
SELECT id, kind, title, body, url, created_at, read_at
  FROM notifications
 WHERE user_id = :user_id
   AND (:after_id::bigint IS NULL OR (created_at, id) < (:after_created_at::timestamptz, :after_id))
 ORDER BY created_at DESC, id DESC
 LIMIT :limit;

-- name: mark_read
-- Mark one of a person's notifications read (a read one keeps when it was first read); returns its url (null when
-- it has none); no row when the id is unknown or the notification is someone else's.
UPDATE notifications SET read_at = coalesce(read_at, now())
 WHERE id = :notification_id AND user_id = :user_id
RETURNING id, url;

-- name: mark_all_read
-- Mark read a person's unread notifications up to the newest they were shown (a later one stays unread; all of them
-- when up_to_id is null); returns how many were marked.
UPDATE notifications SET read_at = now()
 WHERE user_id = :user_id AND read_at IS NULL
   AND (:up_to_id::bigint IS NULL OR id <= :up_to_id);

-- name: person
-- The account whose notification settings are shown (logged in, or from an unsubscribe link): name, address and
-- whether mail may go to it (active with a confirmed address); no row when it is deleted or unknown.
SELECT id, name, email, email_verified_at IS NOT NULL AS email_verified,
       is_active AND email_verified_at IS NOT NULL AS mail_allowed
  FROM users
 WHERE id = :user_id AND deleted_at IS NULL;

-- name: set_settings
-- Store a person's channels for several kinds in one statement (arrays in step: kinds, by_mail, in_site); returns
-- how many kinds were stored.
INSERT INTO notification_settings (user_id, kind, by_mail, in_site)
SELECT :user_id, k.kind, k.by_mail, k.in_site
  FROM unnest(:kinds::text[], :by_mail::boolean[], :in_site::boolean[]) AS k (kind, by_mail, in_site)
ON CONFLICT (user_id, kind) DO UPDATE SET by_mail = excluded.by_mail, in_site = excluded.in_site, updated_at = now();
