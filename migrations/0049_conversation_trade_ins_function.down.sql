DROP FUNCTION conversation_trade_ins(bigint);
