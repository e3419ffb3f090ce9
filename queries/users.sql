-- name: insert_user
-- Create an account and return its id; users_email_key fires when the email (any letter case) is taken.
INSERT INTO users (name, email, password_hash, role, phone, address)
VALUES (:name, :email, :password_hash, :role, :phone, :address)
RETURNING id;

-- name: user_by_email
-- The account with this email, compared case-insensitively; no row when there is none.
SELECT id, name, email, role, is_active, created_at
  FROM users
 WHERE lower(email) = lower(:email);

-- name: ids_by_role
-- The ids of active accounts with the given role, oldest first; an empty list when there are none.
SELECT id FROM users WHERE role = :role AND is_active ORDER BY id;

-- name: login_candidate
-- The account an email logs in to (any letter case), with its password hash and state; no row when unknown or
-- deleted.
SELECT id, name, email, role, email_verified_at, password_hash, is_active
  FROM users
 WHERE lower(email) = lower(:email)
   AND deleted_at IS NULL;

-- name: user_by_id
-- One account's profile and state; no row when the id is unknown.
SELECT id, name, email, role, is_active, phone, address, avatar, email_verified_at, deleted_at, last_login,
       created_at, password_hash
  FROM users
 WHERE id = :user_id;

-- name: record_login
-- Stamp a successful login; the row count is 0 for an unknown id.
UPDATE users SET last_login = now() WHERE id = :user_id;

-- name: upgrade_password_hash
-- Replace a weaker hash of the same password after a successful login; the row count is 0 when the hash changed
-- meanwhile.
UPDATE users SET password_hash = :new_hash WHERE id = :user_id AND password_hash = :old_hash;

-- name: change_password
-- Store a new password hash and stamp the change; the row count is 0 for an unknown or deleted account.
UPDATE users
   SET password_hash = :password_hash, password_changed_at = now()
 WHERE id = :user_id AND deleted_at IS NULL;

-- name: mark_email_verified
-- Confirm the account's email (first confirmation wins); the row count is 0 when already confirmed.
UPDATE users SET email_verified_at = now() WHERE id = :user_id AND email_verified_at IS NULL;

-- name: update_profile
-- Change name, phone and address; the row count is 0 for an unknown or deleted account.
UPDATE users SET name = :name, phone = :phone, address = :address
 WHERE id = :user_id AND deleted_at IS NULL;

-- name: set_avatar
-- Point the account at a new avatar file (or NULL) and return the previous file name; no row for an unknown id.
UPDATE users AS u SET avatar = :avatar
  FROM users AS old
 WHERE u.id = :user_id AND old.id = u.id
RETURNING old.avatar AS previous;

-- name: become_seller
-- Turn a confirmed user into a seller; no row when the account is unconfirmed, not a plain user, or inactive.
UPDATE users SET role = 'seller'
 WHERE id = :user_id AND role = 'user' AND email_verified_at IS NOT NULL AND is_active
RETURNING id;

-- name: set_role
-- Change an account's role and return the previous one; no row when the account is unknown or deleted, or when it
-- is the last active admin and :role is not admin (other_active_admins makes two admins demoting each other at
-- once take turns, so the second sees the first's change and is refused).
UPDATE users AS u SET role = :role
  FROM users AS old
 WHERE u.id = :user_id AND old.id = u.id AND u.deleted_at IS NULL
   AND (:role = 'admin' OR u.role <> 'admin' OR NOT u.is_active OR other_active_admins(u.id) > 0)
RETURNING old.role AS previous;

-- name: set_active
-- Switch an account on or off; no row when the account is unknown or deleted (a deleted one stays off), or when
-- switching off the last active admin (other_active_admins makes concurrent admin changes take turns).
UPDATE users AS u SET is_active = :active
 WHERE u.id = :user_id AND u.deleted_at IS NULL
   AND (:active::boolean OR NOT u.is_active OR u.role <> 'admin' OR other_active_admins(u.id) > 0)
RETURNING u.id;

-- name: soft_delete
-- Delete an account softly: personal data scrubbed, login impossible, id kept so cars, orders and history stay
-- consistent. Returns the avatar file to remove; no row when the account is unknown or already deleted, or when it
-- is the last active admin (other_active_admins makes concurrent admin changes take turns).
UPDATE users AS u
   SET deleted_at = now(), is_active = false, name = 'Deleted user', email = 'deleted-' || u.id || '@invalid',
       password_hash = '!', phone = NULL, address = NULL, avatar = NULL
  FROM users AS old
 WHERE u.id = :user_id AND old.id = u.id AND u.deleted_at IS NULL
   AND (u.role <> 'admin' OR NOT u.is_active OR other_active_admins(u.id) > 0)
RETURNING old.avatar AS avatar;

-- name: count_active_admins
-- How many active admins there are, not counting the given account; 0 when none. A hint for a clear message
-- only: set_role, set_active and soft_delete refuse the last active admin themselves.
SELECT count(*) FROM users WHERE role = 'admin' AND is_active AND deleted_at IS NULL AND id <> :except_id;

-- name: admin_page
-- Accounts newest first for the admin list, optionally matching a name or email fragment, after the keyset
-- (created_at, id) when given; an empty list when nothing matches.
SELECT id, name, email, role, is_active, email_verified_at, deleted_at, last_login, created_at
  FROM users
 WHERE (:text::text IS NULL OR name ILIKE '%' || :text || '%' OR email ILIKE '%' || :text || '%')
   AND (:role::text IS NULL OR role = :role)
   AND (:after_id::bigint IS NULL OR (created_at, id) < (:after_created_at::timestamptz, :after_id))
 ORDER BY created_at DESC, id DESC
 LIMIT :limit;
