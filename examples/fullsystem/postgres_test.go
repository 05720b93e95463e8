package main

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestEndToEndPostgres runs a small hierarchy with the server's store on PostgreSQL, in a
// schema of its own that it drops at the end.
func TestEndToEndPostgres(t *testing.T) {
	dsn := os.Getenv("PHDKIT_PG_DSN")
	if dsn == "" {
		t.Skip("PHDKIT_PG_DSN is not set: no PostgreSQL server to run against")
	}
	schema := fmt.Sprintf("fullsystem_e2e_%d", time.Now().UnixNano())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
		}
	})
	r, err := runSystem(context.Background(), options{
		Agents: 12, Layers: 3, Duration: 2 * time.Second, Rate: 4, Data: t.TempDir(),
		DSN: dsn, StoreSchema: schema, Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Summary; s.Sent == 0 || s.Stored != s.Sent || r.DBCount != s.Sent || r.Proved == 0 {
		t.Errorf("sent %d, stored %d, rows %d, proofs %d", s.Sent, s.Stored, r.DBCount, r.Proved)
	}
}
