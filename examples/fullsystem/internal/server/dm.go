package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/phdkit/phdkit/examples/fullsystem/internal/dm"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/phd"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/store"
	"github.com/phdkit/phdkit/examples/fullsystem/internal/wire"
	"github.com/phdkit/phdkit/ieee11073"
	"github.com/phdkit/phdkit/omadm"
)

// dmState is the server's side of remote management: the devices it has heard from, the
// commands it issued and the statuses that came back. The devices (DeviceInfo rows, one
// per device that has a stored measurement), commands and statuses are kept in the store;
// devices, issued and order hold them in memory as well, loaded from the store when the
// server starts.
type dmState struct {
	dmMu    sync.Mutex
	devices map[[8]byte]phd.Kind
	conns   map[*wire.Conn]struct{}
	issued  map[string]*DMCommand // by reference
	order   []string
	nextRef int    // the number of the last reference made, or the highest in the store at start
	refBase string // distinguishes this process's references from other servers' sharing the store
	downSeq uint64
}

// DMCommand is one command the server issued to one device, and its outcome.
type DMCommand struct {
	entry    wire.Entry // the command message, for sending again
	Ref      string
	Device   string
	Kind     phd.Kind
	Command  string // "Replace ./PHD/Measurement/Interval 2"
	Issued   time.Time
	Status   omadm.StatusCode // 0 until the device's status arrives
	Answered time.Time
}

// initDM loads the devices heard from and the commands issued before from the store.
func (s *Server) initDM(ctx context.Context) error {
	s.devices = make(map[[8]byte]phd.Kind)
	s.conns = make(map[*wire.Conn]struct{})
	s.issued = make(map[string]*DMCommand)
	var rb [4]byte
	rand.Read(rb[:])
	s.refBase = "s" + hex.EncodeToString(rb[:]) + "-"
	devs, err := s.st.AllDevices(ctx)
	if err != nil {
		return err
	}
	for _, d := range devs {
		// The kind as verify derives it for sawDevice; a configuration this server
		// does not know cannot have been stored by it.
		if k, ok := phd.KindOf(ieee11073.ConfigID(d.ConfigID)); ok {
			s.devices[d.SystemID] = k
		}
	}
	cmds, err := s.st.DMCommands(ctx)
	if err != nil {
		return err
	}
	for i := range cmds {
		c := &cmds[i]
		s.issued[c.Ref] = &DMCommand{
			entry: wire.Entry{Origin: c.Origin, ConfigID: c.ConfigID, Received: c.Received.UnixNano(), Body: c.Body},
			Ref:   c.Ref, Device: c.Device, Kind: phd.Kind(c.Kind), Command: c.Command, Issued: c.Issued,
			Status: omadm.StatusCode(c.Status), Answered: c.Answered,
		}
		s.order = append(s.order, c.Ref)
		// References end in a number: continue above every one stored, so that a
		// reference never repeats even if refBase does.
		if k := strings.LastIndexByte(c.Ref, '-'); k >= 0 {
			if n, err := strconv.Atoi(c.Ref[k+1:]); err == nil && n > s.nextRef {
				s.nextRef = n
			}
		}
	}
	s.links.OnConn = func(c *wire.Conn, up bool) {
		s.dmMu.Lock()
		defer s.dmMu.Unlock()
		if up {
			s.conns[c] = struct{}{}
		} else {
			delete(s.conns, c)
		}
	}
	return nil
}

func (s *Server) sawDevice(id [8]byte, k phd.Kind) {
	s.dmMu.Lock()
	s.devices[id] = k
	s.dmMu.Unlock()
}

// ErrNoLinks means no gateway is connected to take DM commands.
var ErrNoLinks = errors.New("server: no gateway link to send DM commands on")

// IssueDM issues sp's command to every device of sp.Kind the server has heard from, since
// it started or, according to the store's DeviceInfo table, before: one command message
// per device, recorded in the store (all in one transaction) and then integrated into
// kind-3 batches sent down every gateway link. It returns how many devices the command
// went to; if the store fails, it returns 0 and sends nothing.
func (s *Server) IssueDM(ctx context.Context, sp dm.Spec) (int, error) {
	return s.issueDM(ctx, sp, false)
}

// IssueDMOnce is IssueDM for the devices that have not been issued the same command (the
// same Command text) before, by this server or, according to the store, an earlier run.
func (s *Server) IssueDMOnce(ctx context.Context, sp dm.Spec) (int, error) {
	return s.issueDM(ctx, sp, true)
}

func (s *Server) issueDM(ctx context.Context, sp dm.Spec, once bool) (int, error) {
	text := sp.Cmd.String() + " " + sp.URI
	if sp.Cmd != omadm.CmdDelete {
		text += " " + sp.Value
	}
	s.dmMu.Lock()
	had := make(map[string]bool)
	if once {
		for _, r := range s.order {
			if c := s.issued[r]; c.Kind == sp.Kind && c.Command == text {
				had[c.Device] = true
			}
		}
	}
	var targets [][8]byte
	for id, k := range s.devices {
		if k == sp.Kind && !had[dm.DeviceID(id)] {
			targets = append(targets, id)
		}
	}
	sort.Slice(targets, func(i, j int) bool { return string(targets[i][:]) < string(targets[j][:]) })
	conns := make([]*wire.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.dmMu.Unlock()
	if len(conns) == 0 {
		return 0, ErrNoLinks
	}
	if len(targets) == 0 {
		return 0, nil
	}
	var entries []wire.Entry
	var cmds []*DMCommand
	now := time.Now()
	defer func() { s.cfg.Counters.ServerDM.Since(len(cmds), now) }()
	for _, id := range targets {
		s.dmMu.Lock()
		s.nextRef++
		ref := s.refBase + strconv.Itoa(s.nextRef)
		s.dmMu.Unlock()
		dev := dm.DeviceID(id)
		body, err := dm.EncodeCommands(dev, []omadm.Command{sp.Command(ref)})
		if err != nil {
			return 0, err
		}
		e := wire.Entry{Origin: id, ConfigID: uint16(sp.Kind.ConfigID()), Received: now.UnixNano(), Body: body}
		entries = append(entries, e)
		cmds = append(cmds, &DMCommand{entry: e, Ref: ref, Device: dev, Kind: sp.Kind, Command: text, Issued: now})
	}
	// Recorded first: a command a link misses now is sent again by ResendDM, by this
	// server or, after a restart, by the next.
	rows := make([]store.DMCommand, len(cmds))
	for i, c := range cmds {
		rows[i] = store.DMCommand{
			Ref: c.Ref, Device: c.Device, Kind: uint8(c.Kind), Command: c.Command, Issued: c.Issued,
			Origin: c.entry.Origin, ConfigID: c.entry.ConfigID, Received: time.Unix(0, c.entry.Received), Body: c.entry.Body,
		}
	}
	if err := s.st.PutDMCommands(ctx, rows); err != nil {
		cmds = nil
		return 0, err
	}
	s.dmMu.Lock()
	for _, c := range cmds {
		s.issued[c.Ref] = c
		s.order = append(s.order, c.Ref)
	}
	s.dmMu.Unlock()
	if err := s.sendDown(ctx, conns, entries); err != nil {
		return len(cmds), err
	}
	return len(cmds), nil
}

// ResendDM sends the commands that have no status yet down every link again (to gateways
// that connected since, or lost them); gateways ignore commands they already hold.
func (s *Server) ResendDM(ctx context.Context) (int, error) {
	s.dmMu.Lock()
	var entries []wire.Entry
	for _, r := range s.order {
		if c := s.issued[r]; c.Status == 0 {
			entries = append(entries, c.entry)
		}
	}
	conns := make([]*wire.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.dmMu.Unlock()
	if len(entries) == 0 {
		return 0, nil
	}
	return len(entries), s.sendDown(ctx, conns, entries)
}

// sendDown integrates entries into batches that fit one APDU and sends each down every
// link in conns.
func (s *Server) sendDown(ctx context.Context, conns []*wire.Conn, entries []wire.Entry) error {
	var errs []error
	for start := 0; start < len(entries); {
		size, end := 0, start
		for end < len(entries) && (end == start || size+entries[end].EncodedLen() <= wire.MaxBatchBody) {
			size += entries[end].EncodedLen()
			end++
		}
		for _, c := range conns {
			s.dmMu.Lock()
			s.downSeq++
			b := wire.Batch{Seq: s.downSeq, Kind: wire.KindDMCommand, Entries: entries[start:end]}
			s.dmMu.Unlock()
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			ack, err := c.Send(sctx, &b)
			cancel()
			if err != nil {
				errs = append(errs, fmt.Errorf("server: sending DM commands: %w", err))
			} else if ack.Status != wire.StatusOK {
				errs = append(errs, fmt.Errorf("server: DM commands answered %v", ack.Status))
			}
		}
		start = end
	}
	return errors.Join(errs...)
}

// takeStatuses records the DM statuses of a kind-2 batch in the store: the first status of
// each of the server's commands counts. If the store fails, the batch is answered busy (to
// be sent again) and nothing is recorded.
func (s *Server) takeStatuses(ctx context.Context, b *wire.Batch) wire.Ack {
	n := 0
	now := time.Now()
	defer s.cfg.Counters.ServerDM.Since(len(b.Entries), now)
	var sts []store.DMStatus
	for i := range b.Entries {
		_, cmds, err := dm.DecodeMessage(b.Entries[i].Body)
		if err != nil {
			s.cfg.Counters.Rejected.Add(1)
			continue
		}
		n++
		s.dmMu.Lock()
		for _, st := range dm.Statuses(cmds) {
			if c := s.issued[st.Ref]; c != nil && c.Status == 0 && st.Code != 0 {
				sts = append(sts, store.DMStatus{Ref: st.Ref, Code: uint16(st.Code), Answered: now})
			}
		}
		s.dmMu.Unlock()
	}
	if len(sts) > 0 {
		recorded, err := s.st.SetDMStatuses(ctx, sts)
		if err != nil {
			s.cfg.Logf("server: DM status batch %d: %v", b.Seq, err)
			return wire.Ack{Seq: b.Seq, Status: wire.StatusBusy}
		}
		s.dmMu.Lock()
		for i, st := range sts {
			if c := s.issued[st.Ref]; recorded[i] && c.Status == 0 {
				c.Status, c.Answered = omadm.StatusCode(st.Code), st.Answered
			}
		}
		s.dmMu.Unlock()
	}
	st := wire.StatusOK
	if n < len(b.Entries) {
		st = wire.StatusRejected
	}
	return wire.Ack{Seq: b.Seq, Accepted: uint16(n), Status: st}
}

// DMCommands returns the commands issued so far with their outcomes, in order of issue:
// those recorded in the store before the server started, then its own.
func (s *Server) DMCommands() []DMCommand {
	s.dmMu.Lock()
	defer s.dmMu.Unlock()
	out := make([]DMCommand, 0, len(s.order))
	for _, r := range s.order {
		out = append(out, *s.issued[r])
	}
	return out
}
