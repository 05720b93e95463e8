package omadm

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock for Server.now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestServerNotificationCheck: a session opened with Alert 1200 is accepted only with
// the session id of an outstanding, unexpired notification of the same device, once;
// anything else gets 403 on its Alert, no commands, and keeps the queue.
func TestServerNotificationCheck(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	const life = time.Minute
	srv := &Server{
		NotifyLifetime: life,
		ServerCredentials: func(device string) (string, string, AuthType, bool) {
			return "srv", "srvpass", AuthMD5, true
		},
		now: clk.now,
	}
	url, reports := startServer(t, srv)
	const devA, devB = "IMEI:A", "IMEI:B"
	get := Command{Kind: CmdGet, Items: []Item{{Target: Loc{URI: "./DevInfo/Man"}}}}
	srv.Enqueue(devA, get)
	srv.Enqueue(devB, get)
	notify := func(dev string, sid uint16) {
		t.Helper()
		_, err := srv.Notify(dev, Notification{SessionID: sid})
		require.NoError(t, err)
	}
	// open sends package 1 of a server-initiated session.
	open := func(dev, sid string) (*testDevice, *SyncML) {
		t.Helper()
		d := newTestDevice(t, url, dev)
		d.session = sid
		return d, d.send(true, pkg1(AlertServerInitiated)...)
	}
	// refused opens a server-initiated session that must be refused.
	refused := func(name, dev, sid string) {
		t.Helper()
		_, r := open(dev, sid)
		assert.Equal(t, []string{"SyncHdr=200", "Alert=403", "Replace=215"}, statuses(t, r), name)
		assert.Empty(t, commands(r), name)
		assert.True(t, r.Body.Final, name)
		rep := waitReport(t, reports)
		assert.ErrorIs(t, rep.Err, ErrNotNotified, name)
		assert.Empty(t, rep.Results, name)
		assert.Empty(t, rep.DevInfo, name)
		assert.Len(t, srv.Queued(dev), 1, "%s: the queue is kept", name)
	}
	// accepted opens a server-initiated session that must run the queued Get.
	accepted := func(name, dev, sid string) {
		t.Helper()
		d, r := open(dev, sid)
		assert.Equal(t, []string{"SyncHdr=200", "Alert=200", "Replace=200"}, statuses(t, r), name)
		require.Len(t, commands(r), 1, name)
		r = d.send(true, answer(r, StatusOK, func(string) string { return "phdkit" })...)
		assert.Empty(t, commands(r), name)
		rep := waitReport(t, reports)
		require.NoError(t, rep.Err, name)
		require.Len(t, rep.Results, 1, name)
		assert.Equal(t, StatusOK, rep.Results[0].Status, name)
		srv.Enqueue(dev, get)
	}

	refused("no notification at all", devA, "1A2B")
	notify(devA, 0x1A2B)
	refused("unmatched id", devA, "1A2C")
	refused("other device's id", devB, "1A2B")
	refused("not hexadecimal", devA, "zz")
	accepted("matched", devA, "1A2B")
	refused("replayed", devA, "1A2B")

	notify(devA, 0x00FF)
	clk.advance(life - time.Nanosecond)
	accepted("lower case, just in time", devA, "00ff")

	notify(devA, 0x0002)
	clk.advance(life)
	refused("expired", devA, "0002")

	// Notifying again renews the lifetime.
	notify(devA, 0x0003)
	clk.advance(life / 2)
	notify(devA, 0x0003)
	clk.advance(life - time.Nanosecond)
	accepted("renewed", devA, "0003")

	// Alert 1201 needs no notification, and does not consume one.
	notify(devB, 0x0004)
	d := newTestDevice(t, url, devB)
	d.session = "0004"
	r := d.send(true, pkg1(AlertClientInitiated)...)
	assert.Equal(t, []string{"SyncHdr=200", "Alert=200", "Replace=200"}, statuses(t, r))
	d.send(true, answer(r, StatusOK, func(string) string { return "phdkit" })...)
	require.NoError(t, waitReport(t, reports).Err)
	srv.Enqueue(devB, get)
	accepted("1201 left the notification", devB, "0004")

	// Expired notifications of a device are dropped when it is notified again.
	srv.mu.Lock()
	n := len(srv.notified[devA])
	srv.mu.Unlock()
	assert.Zero(t, n, "outstanding notifications of devA")
	notify(devA, 0x0005)
	clk.advance(2 * life)
	notify(devA, 0x0006)
	srv.mu.Lock()
	_, old := srv.notified[devA][0x0005]
	n = len(srv.notified[devA])
	srv.mu.Unlock()
	assert.False(t, old, "expired notification kept")
	assert.Equal(t, 1, n)
}

// TestServerNotificationAfterChallenge: a server-initiated package 1 without
// credentials is challenged and does not consume the notification; with credentials
// it is accepted.
func TestServerNotificationAfterChallenge(t *testing.T) {
	const dev = "IMEI:493005100592800"
	srv := &Server{
		Auth: AuthMD5,
		Credentials: func(device, user string) (string, string, bool) {
			return "Bruce2", "OhBehave", device == dev
		},
		ServerCredentials: func(device string) (string, string, AuthType, bool) {
			return "srv", "srvpass", AuthMD5, true
		},
	}
	url, reports := startServer(t, srv)
	_, err := srv.Notify(dev, Notification{SessionID: 0xBEEF})
	require.NoError(t, err)

	// Someone without credentials and a wrong id is challenged, not refused.
	d := newTestDevice(t, url, dev)
	d.session = "0001"
	r := d.send(true, pkg1(AlertServerInitiated)...)
	assert.Equal(t, []string{"SyncHdr=407", "Alert=407", "Replace=407"}, statuses(t, r))

	d = newTestDevice(t, url, dev)
	d.session = "BEEF"
	r = d.send(true, pkg1(AlertServerInitiated)...)
	assert.Equal(t, []string{"SyncHdr=407", "Alert=407", "Replace=407"}, statuses(t, r))
	chal := r.Body.Commands[0].Chal
	require.NotNil(t, chal)
	d.cred = NewMD5Cred("Bruce2", "OhBehave", DecodeNonce(chal.Meta.NextNonce))
	r = d.send(true, pkg1(AlertServerInitiated)...)
	assert.Equal(t, []string{"SyncHdr=212", "Alert=200", "Replace=200"}, statuses(t, r))
	assert.True(t, r.Body.Final)
	require.NoError(t, waitReport(t, reports).Err)
}
