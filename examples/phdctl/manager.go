package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/phdkit/phdkit/ieee11073"
)

// runManager accepts 20601 agents on a TCP address and prints one JSON line per event:
// listening, association, mds, observation, disassociation.
func runManager(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("manager", stderr)
	listen := fs.String("listen", "127.0.0.1:6024", "TCP address to accept agents on")
	skipGet := fs.Bool("no-mds", false, "do not read the MDS attributes of each agent")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	out := newJSONLines(stdout)
	m, err := ieee11073.NewManager(ieee11073.ManagerConfig{
		SkipMDSGet: *skipGet,
		OnAssociate: func(info *ieee11073.AssociationInfo) {
			out.write(associationLine(info))
		},
		OnMDS: func(info *ieee11073.AssociationInfo, attrs ieee11073.AttributeList) {
			out.write(mdsLine(info, attrs))
		},
		OnObservations: func(info *ieee11073.AssociationInfo, _ *ieee11073.EventReportArgument, obs []ieee11073.Observation) error {
			for i := range obs {
				out.write(observationLine(info, &obs[i]))
			}
			return out.err
		},
		OnDisassociate: func(info *ieee11073.AssociationInfo, err error) {
			line := map[string]any{
				"event":     "disassociation",
				"remote":    info.RemoteAddr,
				"system_id": hex.EncodeToString(info.SystemID[:]),
				"reports":   info.Reports,
			}
			// Reports the manager took despite a known agent defect (see
			// ieee11073.ManagerConfig.StrictReports).
			if n := info.OtherLayoutReports; n != 0 {
				line["other_layout_reports"] = n
			}
			if n := info.TrailingOctetReports; n != 0 {
				line["trailing_octet_reports"] = n
			}
			if err != nil {
				line["error"] = err.Error()
			}
			out.write(line)
		},
		ErrorLog: func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) },
	})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	out.write(map[string]any{"event": "listening", "addr": l.Addr().String()})
	served := make(chan error, 1)
	go func() { served <- m.Serve(l) }()
	select {
	case err := <-served:
		m.Close()
		return err
	case <-ctx.Done():
	}
	// Release every association, then stop.
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	shutdownErr := m.Shutdown(sctx)
	if err := <-served; !errors.Is(err, ieee11073.ErrServerClosed) {
		return err
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	return out.err
}

func associationLine(info *ieee11073.AssociationInfo) map[string]any {
	line := map[string]any{
		"event":     "association",
		"remote":    info.RemoteAddr,
		"system_id": hex.EncodeToString(info.SystemID[:]),
		"config_id": uint16(info.ConfigID),
		"extended":  info.Extended,
		"time":      info.Started.UTC().Format(time.RFC3339Nano),
	}
	if info.Config != nil {
		objects := make([]map[string]any, 0, len(info.Config.Objects))
		for _, o := range info.Config.Objects {
			objects = append(objects, map[string]any{
				"handle": o.Handle,
				"type":   o.Type.String(),
				"unit":   unitName(o.Unit),
			})
		}
		line["objects"] = objects
	}
	return line
}

func mdsLine(info *ieee11073.AssociationInfo, attrs ieee11073.AttributeList) map[string]any {
	list := make([]map[string]any, 0, len(attrs))
	for _, a := range attrs {
		list = append(list, map[string]any{
			"id":    uint16(a.ID),
			"name":  ieee11073.Name(ieee11073.PartitionObj, a.ID),
			"value": hex.EncodeToString(a.Value),
		})
	}
	line := map[string]any{
		"event":      "mds",
		"system_id":  hex.EncodeToString(info.SystemID[:]),
		"attributes": list,
	}
	if v, ok := attrs.Get(ieee11073.MDCAttrIDModel); ok {
		var m ieee11073.SystemModel
		if _, err := m.Unmarshal(v); err == nil {
			line["manufacturer"] = string(m.Manufacturer)
			line["model"] = string(m.ModelNumber)
		}
	}
	return line
}

func unitName(u ieee11073.OID) string {
	if u == 0 {
		return ""
	}
	if n := ieee11073.Name(ieee11073.PartitionDim, u); n != "" {
		return n
	}
	return fmt.Sprintf("DIM:%d", uint16(u))
}

func observationLine(info *ieee11073.AssociationInfo, o *ieee11073.Observation) map[string]any {
	line := map[string]any{
		"event":     "observation",
		"system_id": hex.EncodeToString(info.SystemID[:]),
		"config_id": uint16(info.ConfigID),
		"handle":    o.Handle,
		"kind":      o.Kind.String(),
		"type":      o.Type.String(),
		"partition": uint16(o.Type.Partition),
		"code":      uint16(o.Type.Code),
	}
	switch o.Kind {
	case ieee11073.ObservationNumeric:
		line["value"] = o.Value.String()
		line["unit"] = unitName(o.Unit)
		line["unit_code"] = uint16(o.Unit)
	case ieee11073.ObservationEnumOID:
		line["enum"] = uint16(o.Enum)
	case ieee11073.ObservationEnumBits:
		line["bits"] = o.Bits
	}
	if o.PersonID != ieee11073.PersonIDUnknown {
		line["person_id"] = o.PersonID
	}
	if o.Status != 0 {
		line["status"] = o.Status
	}
	if !o.Time.IsZero() {
		// The device's local time: 20601 absolute time carries no zone.
		if t, err := o.Time.Time(time.UTC); err == nil {
			line["time"] = t.Format("2006-01-02T15:04:05.00")
		} else {
			line["time"] = o.Time.String()
		}
	}
	if o.RelTime != 0 {
		line["rel_time"] = uint32(o.RelTime)
	}
	return line
}
