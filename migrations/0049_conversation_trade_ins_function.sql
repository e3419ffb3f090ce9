-- The trade-ins of a conversation as its pages show them, in one place: the conversation page
-- (messages.conversation_page) and the order page (orders.page) both read them through this function.
CREATE FUNCTION conversation_trade_ins(conversation bigint) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object(
                       'id', t.id, 'status', t.status, 'make', t.make, 'model', t.model, 'year', t.year,
                       'mileage_km', t.mileage_km, 'condition', t.condition, 'offer_amount', t.offer_amount::text,
                       'order_id', t.order_id,
                       'photo_count', (SELECT count(*) FROM trade_in_photos p WHERE p.trade_in_id = t.id),
                       'cover', (SELECT p.file FROM trade_in_photos p WHERE p.trade_in_id = t.id
                                  ORDER BY p.position LIMIT 1)) ORDER BY t.id DESC), '[]'::jsonb)
              FROM trade_ins t WHERE t.conversation_id = conversation);
COMMENT ON FUNCTION conversation_trade_ins(bigint) IS
    'A conversation''s trade-ins, newest first, as a JSON list (id, status, make, model, year, mileage_km, condition, '
    'offer_amount as text, order_id, photo_count, cover); [] for none or NULL.';
