package gateway

import (
	"context"
	"encoding/hex"
	"io"
	"log"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/dm"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/wire"
	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/tree"
)

// dmState is a gateway's OMA DM proxy: the DM server its devices poll, the commands it holds
// for them, the mirrors of their trees, and its links to lower gateways (to pass commands
// down).
type dmState struct {
	dm      omadm.Server
	dmMu    sync.Mutex
	pending map[string][]pendingCmd // device → commands sent to it, in order
	// delivered holds "device ref" of the commands whose status went up.
	delivered map[string]struct{}
	// mirror holds, under ./Devices/<system id>, what the gateway knows of each device's
	// tree: its DevInfo, the last session, and the changes the device confirmed. It is
	// cached in memory with a hash index and written back later (or through, with
	// Config.WriteThrough).
	mirror  *tree.Tree
	lower   map[*wire.Conn]struct{}
	downSeq uint64
	downWG  sync.WaitGroup // goroutines passing commands down
}

type pendingCmd struct {
	ref string
	cmd omadm.Command
}

func (g *Gateway) initDM() error {
	var err error
	g.mirror, err = tree.Open(filepath.Join(g.cfg.Dir, "mirror"), tree.Config{WriteThrough: g.cfg.WriteThrough, FlushInterval: 5 * time.Second})
	if err != nil {
		return err
	}
	g.pending = make(map[string][]pendingCmd)
	g.delivered = make(map[string]struct{})
	g.lower = make(map[*wire.Conn]struct{})
	g.dm.Auth = omadm.AuthMD5
	g.dm.Credentials = func(device, user string) (string, string, bool) {
		if user != "" && user != device {
			return "", "", false
		}
		if _, ok := dm.SystemIDOf(device); !ok {
			return "", "", false
		}
		return device, dm.Password(g.cfg.Keys.DMSecret, device), true
	}
	g.dm.OnSession = g.onDMSession
	g.dm.IdleTimeout = 30 * time.Second
	g.dm.ErrorLog = log.New(io.Discard, "", 0)
	return nil
}

// ServeDM serves the OMA DM sessions of the gateway's devices (HTTP) on l until Close.
func (g *Gateway) ServeDM(l net.Listener) error { return g.dm.Serve(l) }

// Mirror returns the value of uri (a URI of the device's tree, such as
// ./PHD/Measurement/Interval) in the gateway's mirror of device.
func (g *Gateway) Mirror(device, uri string) (string, error) {
	id, ok := dm.SystemIDOf(device)
	if !ok {
		return "", omadm.ErrNotExist
	}
	res, err := g.mirror.Get(omadm.Local, mirrorURI(id, uri), nil)
	if err != nil {
		return "", err
	}
	if len(res) == 0 {
		return "", omadm.ErrNotExist
	}
	return string(res[0].Data), nil
}

// mirrorURI returns the URI in the mirror of uri in the tree of device id.
func mirrorURI(id [8]byte, uri string) string {
	return "./Devices/" + hex.EncodeToString(id[:]) + strings.TrimPrefix(uri, ".")
}

func (g *Gateway) onLowerConn(c *wire.Conn, up bool) {
	g.dmMu.Lock()
	defer g.dmMu.Unlock()
	if up {
		g.lower[c] = struct{}{}
	} else {
		delete(g.lower, c)
	}
}

// handleDown takes a batch the layer above sends down: DM commands (kind 3). A gateway that
// serves agents holds each device's commands for the device's next DM session; every
// gateway passes the batch on to the gateways below it. The ack counts the entries taken.
func (g *Gateway) handleDown(ctx context.Context, _ *wire.Conn, b *wire.Batch) (wire.Ack, error) {
	if b.Kind != wire.KindDMCommand {
		return wire.Ack{Seq: b.Seq, Status: wire.StatusRejected}, nil
	}
	start := time.Now()
	taken := 0
	for i := range b.Entries {
		device, cmds, err := dm.DecodeMessage(b.Entries[i].Body)
		if err != nil || len(cmds) == 0 {
			g.cfg.Logf("gateway %s: DM command entry %d: %v", g.cfg.Name, i, err)
			continue
		}
		taken++
		if !g.edge.Load() {
			continue
		}
		g.dmMu.Lock()
		var fresh []omadm.Command
		for _, c := range cmds {
			if g.held(device, c.CmdID) {
				continue // sent again from above: already held or delivered
			}
			g.pending[device] = append(g.pending[device], pendingCmd{ref: c.CmdID, cmd: c})
			fresh = append(fresh, c)
		}
		g.dmMu.Unlock()
		if len(fresh) > 0 {
			g.dm.Enqueue(device, fresh...)
		}
	}
	g.cfg.Logf("gateway %s: %d DM commands from above (edge %v)", g.cfg.Name, taken, g.edge.Load())
	if g.edge.Load() {
		g.cfg.Counters.SubDM.Since(len(b.Entries), start)
	} else {
		g.cfg.Counters.MainDM.Since(len(b.Entries), start)
	}
	// Upper gateways pass the batch on, from a goroutine of their own so that this link's
	// reading (and the acks of the measurements going up) does not wait for the layer below.
	g.dmMu.Lock()
	conns := make([]*wire.Conn, 0, len(g.lower))
	for c := range g.lower {
		conns = append(conns, c)
	}
	g.dmMu.Unlock()
	if len(conns) > 0 {
		entries := make([]wire.Entry, len(b.Entries))
		for i, e := range b.Entries {
			e.Body = append([]byte(nil), e.Body...)
			entries[i] = e
		}
		g.downWG.Add(1)
		go func() {
			defer g.downWG.Done()
			for _, c := range conns {
				g.dmMu.Lock()
				g.downSeq++
				nb := wire.Batch{Sender: g.id, Seq: g.downSeq, Kind: wire.KindDMCommand, Entries: entries}
				g.dmMu.Unlock()
				sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				if _, err := c.Send(sctx, &nb); err != nil {
					g.cfg.Logf("gateway %s: passing DM commands down: %v", g.cfg.Name, err)
				}
				cancel()
			}
		}()
	}
	return wire.Ack{Seq: b.Seq, Accepted: uint16(taken), Status: wire.StatusOK}, nil
}

// onDMSession integrates the statuses of a device's session into one status message and
// queues it upward (kind 2); commands that did not reach the device are queued again.
func (g *Gateway) onDMSession(r omadm.Report) {
	sysid, ok := dm.SystemIDOf(r.Device)
	if !ok {
		return
	}
	start := time.Now()
	if len(r.Results) > 0 || r.Err != nil {
		g.cfg.Logf("gateway %s: DM session of %s: %d results, err %v", g.cfg.Name, r.Device, len(r.Results), r.Err)
	}
	tm := &g.cfg.Counters.SubDM
	defer func() { tm.Since(1, start) }()
	g.dmMu.Lock()
	m := g.mirror
	for uri, v := range r.DevInfo {
		mirrorSet(m, mirrorURI(sysid, uri), v, true)
	}
	mirrorSet(m, mirrorURI(sysid, "./LastSession"), start.UTC().Format(time.RFC3339Nano), false)
	var sts []dm.Status
	p := g.pending[r.Device]
	for _, res := range r.Results {
		if len(p) == 0 {
			break
		}
		pc := p[0]
		p = p[1:]
		if res.Status == 0 {
			// Not delivered: the DM server queues it again, in front; keep it pending.
			p = append([]pendingCmd{pc}, p...)
			break
		}
		sts = append(sts, dm.Status{Ref: pc.ref, Cmd: pc.cmd.Kind.String(), Code: res.Status})
		g.delivered[r.Device+" "+pc.ref] = struct{}{}
		if res.Status == omadm.StatusOK {
			for _, it := range pc.cmd.Items {
				switch pc.cmd.Kind {
				case omadm.CmdAdd, omadm.CmdReplace:
					mirrorSet(m, mirrorURI(sysid, it.Target.URI), it.Data, false)
				case omadm.CmdDelete:
					m.Delete(omadm.Local, mirrorURI(sysid, it.Target.URI))
				}
			}
		}
	}
	g.pending[r.Device] = p
	g.dmMu.Unlock()
	if len(sts) == 0 {
		return
	}
	body, err := dm.EncodeStatuses(r.Device, sts)
	if err != nil {
		g.cfg.Logf("gateway %s: DM statuses of %s: %v", g.cfg.Name, r.Device, err)
		return
	}
	e := wire.Entry{Origin: sysid, Received: time.Now().UnixNano(), Hops: 1, Body: body}
	if _, err := g.q.Append(context.Background(), encodeEntry(nil, wire.KindDMStatus, &e)); err != nil {
		g.cfg.Logf("gateway %s: queueing DM statuses: %v", g.cfg.Name, err)
	}
}

// mirrorSet sets uri to v in the mirror; when onlyChanged, an unchanged value is not
// written again.
// held reports whether the command ref for device is pending or was delivered; g.dmMu is
// held.
func (g *Gateway) held(device, ref string) bool {
	for _, p := range g.pending[device] {
		if p.ref == ref {
			return true
		}
	}
	_, ok := g.delivered[device+" "+ref]
	return ok
}

func mirrorSet(m *tree.Tree, uri, v string, onlyChanged bool) {
	if onlyChanged {
		if res, err := m.Get(omadm.Local, uri, nil); err == nil && len(res) > 0 && string(res[0].Data) == v {
			return
		}
	}
	val := omadm.Value{Data: []byte(v)}
	if err := m.Replace(omadm.Local, uri, val); err != nil {
		m.Add(omadm.Local, uri, val)
	}
}
