package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/tree"
)

const dmUsage = `usage:
  phdctl dm decode FILE                 XML or WBXML in, XML out ("-" reads stdin)
  phdctl dm encode [--wbxml] FILE       XML in; WBXML out with --wbxml, else normalized XML
  phdctl dm server --listen ADDR [--device ID] [--cmd SPEC]... [--commands FILE]
                   [--auth none|basic|md5|hmac --user U --password P] [--sessions N]
                   [--server-user U --server-password P --server-auth basic|md5|hmac]
  phdctl dm client --server URL [--device ID] [--wbxml]
                   [--auth none|basic|md5|hmac --user U --password P]
  phdctl dm notify --server-id ID --password P [--name NAME] [--session HEX] [--ui MODE]
                   [--initiator user|server] [--nonce B64] [--body HEX]    package 0, hex out
  phdctl dm notify --decode HEX|- [--password P [--name NAME] --nonce B64] JSON out

A command SPEC is "Get URI", "Delete URI", "Exec URI[=DATA]", "Add URI[=VALUE]" or
"Replace URI=VALUE". A commands FILE holds one SPEC a line (# starts a comment), or is a
SyncML message (XML or WBXML) whose body commands are sent.`

// runDM runs "phdctl dm ...".
func runDM(ctx context.Context, args []string) error {
	return runDMTo(ctx, args, os.Stdin, os.Stdout)
}

func runDMTo(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(dmUsage)
	}
	switch args[0] {
	case "decode":
		return dmDecode(args[1:], stdin, stdout)
	case "encode":
		return dmEncode(args[1:], stdin, stdout)
	case "server":
		return dmServer(ctx, args[1:], stdout)
	case "client":
		return dmClient(ctx, args[1:], stdout)
	case "notify":
		return dmNotify(args[1:], stdin, stdout)
	}
	return fmt.Errorf("phdctl dm: unknown subcommand %q\n%s", args[0], dmUsage)
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

func dmDecode(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("dm decode", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: phdctl dm decode FILE")
	}
	b, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		return err
	}
	var m omadm.SyncML
	if _, err := m.Unmarshal(b); err != nil {
		return err
	}
	out, err := m.AppendXML(nil)
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(out, '\n'))
	return err
}

func dmEncode(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("dm encode", flag.ContinueOnError)
	wbxml := fs.Bool("wbxml", false, "write WBXML")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: phdctl dm encode [--wbxml] FILE")
	}
	b, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		return err
	}
	var m omadm.SyncML
	if _, err := m.Unmarshal(b); err != nil {
		return err
	}
	var out []byte
	if *wbxml {
		out, err = m.AppendWBXML(nil)
	} else {
		out, err = m.AppendXML(nil)
		out = append(out, '\n')
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// parseSpec turns "Replace ./PHD/Measurement/Interval=30" into a command.
func parseSpec(spec string) (omadm.Command, error) {
	verb, rest, _ := strings.Cut(strings.TrimSpace(spec), " ")
	rest = strings.TrimSpace(rest)
	kind := omadm.ParseCmdKind(verb)
	if rest == "" {
		return omadm.Command{}, fmt.Errorf("phdctl dm: command %q: no URI", spec)
	}
	uri, value, hasValue := strings.Cut(rest, "=")
	it := omadm.Item{Target: omadm.Loc{URI: uri}}
	switch kind {
	case omadm.CmdGet, omadm.CmdDelete:
		if hasValue {
			return omadm.Command{}, fmt.Errorf("phdctl dm: command %q: %s takes no value", spec, verb)
		}
	case omadm.CmdAdd, omadm.CmdReplace, omadm.CmdExec:
		if kind == omadm.CmdReplace && !hasValue {
			return omadm.Command{}, fmt.Errorf("phdctl dm: command %q: Replace needs URI=VALUE", spec)
		}
		if hasValue {
			it.Data = value
			if kind != omadm.CmdExec {
				it.Meta = omadm.Meta{Format: "chr", Type: "text/plain"}
			}
		} else if kind == omadm.CmdAdd {
			it.Meta = omadm.Meta{Format: "node"}
		}
	default:
		return omadm.Command{}, fmt.Errorf("phdctl dm: command %q: verb must be Get, Add, Replace, Delete or Exec", spec)
	}
	return omadm.Command{Kind: kind, Items: []omadm.Item{it}}, nil
}

// readCommands reads a commands file: a SyncML message, or one SPEC a line.
func readCommands(name string) ([]omadm.Command, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var m omadm.SyncML
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) > 0 && (trimmed[0] == '<' || trimmed[0] <= 0x03) {
		if _, err := m.Unmarshal(b); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		var out []omadm.Command
		for _, c := range m.Body.Commands {
			if c.Kind != omadm.CmdStatus && c.Kind != omadm.CmdResults {
				c.CmdID = ""
				out = append(out, c)
			}
		}
		return out, nil
	}
	var out []omadm.Command
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c, err := parseSpec(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

func parseAuth(s string) (omadm.AuthType, error) {
	switch strings.ToLower(s) {
	case "", "none":
		return omadm.AuthNone, nil
	case "basic":
		return omadm.AuthBasic, nil
	case "md5":
		return omadm.AuthMD5, nil
	case "hmac":
		return omadm.AuthHMAC, nil
	}
	return 0, fmt.Errorf("phdctl dm: unknown auth %q (none, basic, md5, hmac)", s)
}

func dmServer(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dm server", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	device := fs.String("device", "", "send the commands to this device only (default: every device, every session)")
	var specs multiFlag
	fs.Var(&specs, "cmd", "a command SPEC (repeatable)")
	file := fs.String("commands", "", "a file of commands")
	auth := fs.String("auth", "none", "device authentication: none, basic, md5, hmac")
	user := fs.String("user", "", "device account name")
	password := fs.String("password", "", "device account password")
	sessions := fs.Int("sessions", 0, "exit after this many sessions (0: run until interrupted)")
	srvUser := fs.String("server-user", "", "name the server presents to devices (mutual authentication)")
	srvPassword := fs.String("server-password", "", "password the server presents to devices")
	srvAuth := fs.String("server-auth", "md5", "scheme of the server's credentials: basic, md5, hmac")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cmds []omadm.Command
	for _, s := range specs {
		c, err := parseSpec(s)
		if err != nil {
			return err
		}
		cmds = append(cmds, c)
	}
	if *file != "" {
		more, err := readCommands(*file)
		if err != nil {
			return err
		}
		cmds = append(cmds, more...)
	}
	scheme, err := parseAuth(*auth)
	if err != nil {
		return err
	}
	if scheme != omadm.AuthNone && *password == "" {
		return errors.New("phdctl dm server: --auth needs --user and --password")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	done := 0
	srv := &omadm.Server{
		Auth: scheme,
		Credentials: func(string, string) (string, string, bool) {
			return *user, *password, true
		},
		OnSession: func(r omadm.Report) {
			mu.Lock()
			defer mu.Unlock()
			printReport(stdout, r)
			done++
			if *sessions > 0 && done >= *sessions {
				cancel()
			}
		},
		OnAlert: func(device string, a omadm.Command) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(stdout, "alert from %s: %s correlator=%q\n", device, a.Data, a.Correlator)
		},
	}
	if *srvPassword != "" {
		sscheme, err := parseAuth(*srvAuth)
		if err != nil || sscheme == omadm.AuthNone {
			return fmt.Errorf("phdctl dm server: --server-auth must be basic, md5 or hmac")
		}
		srv.ServerCredentials = func(string) (string, string, omadm.AuthType, bool) {
			return *srvUser, *srvPassword, sscheme, true
		}
	}
	if *device != "" {
		srv.Enqueue(*device, cmds...)
	} else {
		srv.Commands = func(string) []omadm.Command { return cmds }
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	mu.Lock()
	fmt.Fprintf(stdout, "listening on http://%s/\n", l.Addr())
	mu.Unlock()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	err = srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, omadm.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

func printReport(w io.Writer, r omadm.Report) {
	status := "ok"
	if r.Err != nil {
		status = r.Err.Error()
	}
	fmt.Fprintf(w, "session %s with %s: %s (%d messages)\n", r.SessionID, r.Device, status, r.Messages)
	var print func(indent string, rs []omadm.CommandResult)
	print = func(indent string, rs []omadm.CommandResult) {
		for _, res := range rs {
			uri := ""
			if len(res.Command.Items) > 0 {
				uri = res.Command.Items[0].Target.URI
			}
			fmt.Fprintf(w, "%s%s %s: %d %s\n", indent, res.Command.Kind, uri, res.Status, res.Status)
			for _, it := range res.Items {
				fmt.Fprintf(w, "%s  %s = %q\n", indent, it.Source.URI, it.Data)
			}
			print(indent+"  ", res.Sub)
		}
	}
	print("  ", r.Results)
}

func dmClient(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("dm client", flag.ContinueOnError)
	server := fs.String("server", "", "URL of the management server")
	device := fs.String("device", "IMEI:000000000000000", "device id (./DevInfo/DevId)")
	wbxml := fs.Bool("wbxml", false, "speak WBXML")
	auth := fs.String("auth", "none", "credentials to present: none, basic, md5, hmac")
	user := fs.String("user", "", "account name")
	password := fs.String("password", "", "account password")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *server == "" {
		return errors.New("usage: phdctl dm client --server URL")
	}
	scheme, err := parseAuth(*auth)
	if err != nil {
		return err
	}
	t := tree.New(tree.Config{})
	if err := omadm.InstallDevInfo(t, omadm.DevInfo{DevID: *device, Man: "phdkit", Mod: "phdctl", DmV: "1.2", Lang: "en"}); err != nil {
		return err
	}
	if err := omadm.InstallPHD(t, omadm.PHD{
		Manufacturer: "phdkit", Model: "phdctl", SerialNumber: "0001", SystemID: "0011223344556677",
		ConfigID: 1, Specialization: "blood-pressure", FwVersion: "1.0.0",
		Interval: time.Minute, Transport: "tcp", ReportInterval: 5 * time.Minute,
		ACL: "Add=*&Delete=*&Exec=*&Get=*&Replace=*",
	}); err != nil {
		return err
	}
	c := &omadm.Client{Tree: t, ServerURL: *server, DeviceID: *device, WBXML: *wbxml,
		Auth: scheme, UserName: *user, Password: *password,
		HTTPClient: &http.Client{Timeout: time.Minute}}
	rep, err := c.Run(ctx, omadm.AlertClientInitiated)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "session %s: %d messages\n", rep.SessionID, rep.Messages)
	for _, st := range rep.Commands {
		if st.Cmd == "SyncHdr" {
			continue
		}
		code, _ := st.StatusCode()
		ref := ""
		if len(st.TargetRef) > 0 {
			ref = st.TargetRef[0]
		}
		fmt.Fprintf(stdout, "  %s %s: %s %s\n", st.Cmd, ref, st.Data, code)
	}
	p, err := omadm.ReadPHD(t, omadm.Local)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "PHD: interval %s, report interval %s, firmware %s, %d alarms\n",
		p.Interval, p.ReportInterval, p.FwVersion, len(p.Alarms))
	return nil
}
