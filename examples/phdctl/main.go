package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/phdkit/phdkit/ieee11073"
)

// command is one phdctl subcommand. It runs until done or until ctx is cancelled (by
// SIGINT or SIGTERM), reading stdin and writing stdout; it reports usage errors as
// errUsage-wrapped errors.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var errUsage = errors.New("usage")

// commands maps subcommand names to their implementations.
var commands = map[string]command{
	"decode":  {"decode HEX: print each APDU in HEX as one line of JSON", runDecode},
	"encode":  {"encode: read APDUs as JSON from stdin, print each as one line of hex", runEncode},
	"manager": {"manager --listen ADDR: accept 20601 agents, print associations and observations as JSON lines", runManager},
	"agent":   {"agent --connect ADDR --specialization bp|thermo|scale|glucose|oximeter [--count N --interval D]: simulate a device", runAgent},
	"ble":     {"ble watch [--address MAC,...] [--adapter hci0] [--fake] [--count N]: print Bluetooth health devices' readings as JSON lines", runBLE},
	"dm": {"dm decode|encode|server|client|notify ...: OMA DM messages, a DM server with a command queue, a DM client with an in-memory tree, package 0 notifications",
		func(ctx context.Context, args []string, _ io.Reader, _, _ io.Writer) error { return runDM(ctx, args) }},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "phdctl: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	if err := cmd.run(ctx, args[1:], stdin, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "phdctl %s: %v\n", args[0], err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: phdctl COMMAND [ARGS]")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %s\n", commands[name].summary)
	}
}

// runDecode prints every APDU of the hex argument (or of stdin when the argument is "-")
// as one line of JSON.
func runDecode(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: phdctl decode HEX (or - to read hex from stdin)", errUsage)
	}
	text := args[0]
	if text == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		text = string(b)
	}
	raw, err := hex.DecodeString(strings.Map(func(r rune) rune {
		if strings.ContainsRune(" \t\r\n:", r) {
			return -1
		}
		return r
	}, text))
	if err != nil {
		return fmt.Errorf("reading hex: %w", err)
	}
	if len(raw) == 0 {
		return errors.New("no APDU in the input")
	}
	for off := 0; off < len(raw); {
		var a ieee11073.APDU
		n, err := a.Unmarshal(raw[off:])
		if err != nil {
			return fmt.Errorf("APDU at octet %d: %w", off, err)
		}
		line, err := json.Marshal(apduToJSON(&a))
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
			return err
		}
		off += n
	}
	return nil
}

// runEncode reads JSON APDUs from stdin, one value after the other, and prints each one's
// encoding as a line of hex.
func runEncode(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) != 0 {
		return fmt.Errorf("%w: phdctl encode < APDU.json", errUsage)
	}
	d := json.NewDecoder(bufio.NewReader(stdin))
	count := 0
	for {
		var raw json.RawMessage
		if err := d.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("reading JSON: %w", err)
		}
		var a ieee11073.APDU
		if err := apduFromJSON(raw, &a); err != nil {
			return fmt.Errorf("APDU %d: %w", count+1, err)
		}
		b, err := a.MarshalBinary()
		if err != nil {
			return fmt.Errorf("APDU %d: %w", count+1, err)
		}
		// The encoding must decode: catch JSON that describes an impossible APDU.
		var check ieee11073.APDU
		if _, err := check.Unmarshal(b); err != nil {
			return fmt.Errorf("APDU %d encodes to %x, which does not decode: %w", count+1, b, err)
		}
		if _, err := fmt.Fprintln(stdout, hex.EncodeToString(b)); err != nil {
			return err
		}
		count++
	}
	if count == 0 {
		return errors.New("no APDU in the input")
	}
	return nil
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("phdctl "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// jsonLines writes one JSON value per line; it is safe for concurrent use.
type jsonLines struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
	err error
}

func newJSONLines(w io.Writer) *jsonLines { return &jsonLines{w: w} }

func (l *jsonLines) write(v any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return
	}
	l.buf.Reset()
	e := json.NewEncoder(&l.buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		l.err = err
		return
	}
	_, l.err = l.w.Write(l.buf.Bytes())
}
