package store

import (
	"context"
	"strings"
)

// Open opens the store named by dsn: a "postgres://" or "postgresql://" URL opens
// PostgreSQL, anything else is an SQLite file path (an optional "sqlite:" prefix is
// removed).
func Open(ctx context.Context, dsn string, cfg Config) (Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return OpenPostgres(ctx, dsn, cfg)
	}
	return OpenSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), cfg)
}
