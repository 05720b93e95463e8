package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phdkit/phdkit/omadm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pkg1 = `<SyncML xmlns='SYNCML:SYNCML1.2'><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>
<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>http://srv</LocURI></Target>
<Source><LocURI>IMEI:1</LocURI></Source></SyncHdr><SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert>
<Replace><CmdID>2</CmdID><Item><Target><LocURI>./PHD/Measurement/Interval</LocURI></Target><Data>30</Data></Item></Replace><Final/></SyncBody></SyncML>`

func TestDMDecodeEncode(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "pkg1.xml")
	require.NoError(t, os.WriteFile(in, []byte(pkg1), 0o600))
	var wb bytes.Buffer
	require.NoError(t, runDMTo(context.Background(), []string{"encode", "--wbxml", in}, nil, &wb))
	assert.Equal(t, []byte{0x02, 0xa4, 0x01, 0x6a}, wb.Bytes()[:4])
	wfile := filepath.Join(dir, "pkg1.wbxml")
	require.NoError(t, os.WriteFile(wfile, wb.Bytes(), 0o600))
	var x bytes.Buffer
	require.NoError(t, runDMTo(context.Background(), []string{"decode", wfile}, nil, &x))
	var a, b omadm.SyncML
	_, err := a.ParseXML([]byte(pkg1))
	require.NoError(t, err)
	_, err = b.ParseXML(x.Bytes())
	require.NoError(t, err)
	assert.Equal(t, a, b)
	// stdin
	var y bytes.Buffer
	require.NoError(t, runDMTo(context.Background(), []string{"decode", "-"}, bytes.NewReader(wb.Bytes()), &y))
	assert.Equal(t, x.String(), y.String())
	// Bad input is an error naming the field, never a panic.
	err = runDMTo(context.Background(), []string{"decode", "-"}, strings.NewReader("<SyncML><SyncHdr>"), io.Discard)
	var de *omadm.DecodeError
	assert.ErrorAs(t, err, &de)
	assert.Error(t, runDMTo(context.Background(), []string{"nope"}, nil, io.Discard))
}

func TestParseSpec(t *testing.T) {
	c, err := parseSpec("Replace ./PHD/Measurement/Interval=30")
	require.NoError(t, err)
	assert.Equal(t, omadm.CmdReplace, c.Kind)
	assert.Equal(t, "30", c.Items[0].Data)
	c, err = parseSpec("Get ./DevInfo/Man")
	require.NoError(t, err)
	assert.Equal(t, omadm.CmdGet, c.Kind)
	for _, bad := range []string{"Replace ./A", "Get ./A=1", "Frob ./A", "Get"} {
		_, err := parseSpec(bad)
		assert.Error(t, err, bad)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "cmds.txt")
	require.NoError(t, os.WriteFile(f, []byte("# thresholds\nReplace ./PHD/Alarms/HeartRate/High=120\n\nDelete ./PHD/Old\n"), 0o600))
	cmds, err := readCommands(f)
	require.NoError(t, err)
	require.Len(t, cmds, 2)
	g := filepath.Join(dir, "cmds.xml")
	require.NoError(t, os.WriteFile(g, []byte(pkg1), 0o600))
	cmds, err = readCommands(g)
	require.NoError(t, err)
	require.Len(t, cmds, 2)
	assert.Equal(t, omadm.CmdAlert, cmds[0].Kind)
}

// TestDMServerClient runs "dm server" and "dm client" against each other over loopback,
// in XML and WBXML, with auth-md5.
func TestDMServerClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pr, pw := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- runDMTo(ctx, []string{"server", "--listen", "127.0.0.1:0", "--auth", "md5", "--user", "dev",
			"--password", "pw", "--sessions", "2", "--cmd", "Replace ./PHD/Measurement/Interval=30",
			"--cmd", "Get ./PHD/FwVersion"}, nil, pw)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	require.True(t, sc.Scan())
	line := sc.Text()
	require.True(t, strings.HasPrefix(line, "listening on "), line)
	url := strings.TrimPrefix(line, "listening on ")
	var serverOut strings.Builder
	readDone := make(chan struct{})
	go func() {
		for sc.Scan() {
			serverOut.WriteString(sc.Text() + "\n")
		}
		close(readDone)
	}()
	for _, wbxml := range []string{"", "--wbxml"} {
		args := []string{"client", "--server", url, "--auth", "md5", "--user", "dev", "--password", "pw"}
		if wbxml != "" {
			args = append(args, wbxml)
		}
		var out bytes.Buffer
		require.NoError(t, runDMTo(ctx, args, nil, &out))
		assert.Contains(t, out.String(), "Replace ./PHD/Measurement/Interval: 200 OK")
		assert.Contains(t, out.String(), "PHD: interval 30s")
	}
	require.NoError(t, <-served)
	<-readDone
	assert.Equal(t, 2, strings.Count(serverOut.String(), ": ok ("))
	assert.Contains(t, serverOut.String(), `./PHD/FwVersion = "1.0.0"`)
}
