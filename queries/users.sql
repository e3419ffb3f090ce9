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
