"""One module per source table: TABLE, DAY_COLUMN and expectations(ctx) (see framework)."""
