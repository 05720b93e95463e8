package omadm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readVectors(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/vectors/*.xml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = b
	}
	return out
}

// withDefaults returns m as a writer emits it: VerDTD and VerProto filled in.
func withDefaults(m SyncML) SyncML {
	if m.Hdr.VerDTD == "" {
		m.Hdr.VerDTD = VerDTD
	}
	if m.Hdr.VerProto == "" {
		m.Hdr.VerProto = VerProto
	}
	return m
}

func TestParseXMLVectors(t *testing.T) {
	for name, b := range readVectors(t) {
		t.Run(name, func(t *testing.T) {
			var m SyncML
			_, err := m.ParseXML(b)
			require.NoError(t, err)
			out, err := m.AppendXML(nil)
			require.NoError(t, err)
			var m2 SyncML
			_, err = m2.ParseXML(out)
			require.NoError(t, err)
			assert.Equal(t, withDefaults(m), m2)
		})
	}
}

func TestParseXMLPackage1(t *testing.T) {
	var m SyncML
	_, err := m.ParseXML(readVectors(t)["oma-dm-protocol-2.6.1-pkg1-client-init.xml"])
	require.NoError(t, err)
	assert.Equal(t, "IMEI:493005100592800", m.Hdr.Source.URI)
	assert.Equal(t, int64(5000), m.Hdr.Meta.MaxMsgSize)
	require.NotNil(t, m.Hdr.Cred)
	assert.Equal(t, "syncml:auth-basic", m.Hdr.Cred.Meta.Type)
	require.Len(t, m.Body.Commands, 2)
	alert := m.Body.Commands[0]
	assert.Equal(t, CmdAlert, alert.Kind)
	code, ok := alert.StatusCode()
	assert.True(t, ok)
	assert.Equal(t, AlertServerInitiated, code)
	rep := m.Body.Commands[1]
	assert.Equal(t, CmdReplace, rep.Kind)
	require.Len(t, rep.Items, 5)
	assert.Equal(t, "./DevInfo/Man", rep.Items[1].Source.URI)
	assert.Equal(t, "Device Factory, Inc.", rep.Items[1].Data)
	assert.Equal(t, "chr", rep.Items[1].Meta.Format)
	assert.True(t, m.Body.Final)
}

func TestParseXMLEmbeddedDDF(t *testing.T) {
	var m SyncML
	_, err := m.ParseXML(readVectors(t)["syncml_with_ddf-001.xml"])
	require.NoError(t, err)
	// The Sync command is not DM and is skipped; the three statuses remain.
	require.Len(t, m.Body.Commands, 3)
	assert.Equal(t, "Sync", m.Body.Commands[1].Cmd)
}

func TestParseXMLLenient(t *testing.T) {
	const body = `<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>%s</SessionID>` +
		`<MsgID>1</MsgID><Target><LocURI>
		   ./srv
		</LocURI></Target><Source><LocURI>dev</LocURI></Source></SyncHdr>` +
		`<SyncBody><Get><CmdID>%s</CmdID><Item><Target><LocURI>./DevInfo/Man</LocURI></Target>` +
		`<Meta>%s</Meta><Data>%s</Data></Item></Get><Final/></SyncBody></SyncML>`
	tests := []struct {
		name, prefix, session, cmdID, meta, data string
		wantData, wantType                       string
	}{
		{"leading space", "\n\t  <?xml version=\"1.0\"?>\n<SyncML>", "1", "1", "<Type>text/plain</Type>", "x", "x", "text/plain"},
		{"bom", "\xef\xbb\xbf<?xml version=\"1.0\"?><SyncML>", "1", "1", "", "x", "x", ""},
		{"utf-16 declaration", "<?xml version=\"1.0\" encoding=\"utf-16\"?><SyncML xmlns='SYNCML:SYNCML1.2'>", "1", "1", "", "é", "é", ""},
		{"cdata", "<SyncML>", "1", "1", "", "<![CDATA[<a&b>]]>", "<a&b>", ""},
		{"metinf namespace", "<SyncML>", "1", "1", `<Type xmlns="syncml:metinf">text/plain</Type>`, "x", "x", "text/plain"},
		{"metinf prefix", "<SyncML xmlns:m='syncml:metinf'>", "1", "1", `<m:Type>text/plain</m:Type>`, "x", "x", "text/plain"},
		{"metinf wrapper", "<SyncML>", "1", "1", `<MetInf xmlns="syncml:metinf"><Type>text/plain</Type></MetInf>`, "x", "x", "text/plain"},
		{"hex session", "<SyncML>", "1A2F", "1", "", "x", "x", ""},
		{"zero session", "<SyncML>", "0", "1", "", "x", "x", ""},
		{"non-numeric cmdid", "<SyncML>", "1", "abc", "", "x", "x", ""},
		{"comments", "<!-- a --><SyncML><!-- b -->", "1", "1", "<!-- c -->", "<!-- d -->x", "x", ""},
		{"doctype", `<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN" "http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_RepPro_DTD-V1_2.dtd"><SyncML>`, "1", "1", "", "x", "x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.prefix + strings.NewReplacer("%s", "\x00").Replace(body)
			for _, v := range []string{tt.session, tt.cmdID, tt.meta, tt.data} {
				doc = strings.Replace(doc, "\x00", v, 1)
			}
			var m SyncML
			_, err := m.ParseXML([]byte(doc))
			require.NoError(t, err)
			assert.Equal(t, "./srv", m.Hdr.Target.URI)
			assert.Equal(t, tt.session, m.Hdr.SessionID)
			require.Len(t, m.Body.Commands, 1)
			c := m.Body.Commands[0]
			assert.Equal(t, tt.cmdID, c.CmdID)
			require.Len(t, c.Items, 1)
			assert.Equal(t, tt.wantData, c.Items[0].Data)
			assert.Equal(t, tt.wantType, c.Items[0].Meta.Type)
		})
	}
}

func TestParseXMLLatin1(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><SyncML><SyncHdr><MsgID>1</MsgID></SyncHdr>" +
		"<SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data><Item><Data>caf\xe9</Data></Item></Alert></SyncBody></SyncML>"
	var m SyncML
	_, err := m.ParseXML([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, "café", m.Body.Commands[0].Items[0].Data)
}

func TestAppendXMLStrict(t *testing.T) {
	m := SyncML{
		Hdr: SyncHdr{SessionID: "1", MsgID: "2", Target: Loc{URI: "dev"}, Source: Loc{URI: "srv"}},
		Body: SyncBody{Commands: []Command{
			{Kind: CmdReplace, CmdID: "1", Items: []Item{{Target: Loc{URI: "./a"}, Data: "a<b&c\r", MoreData: true}}},
		}, Final: true},
	}
	out, err := m.AppendXML(nil)
	require.NoError(t, err)
	s := string(out)
	assert.Contains(t, s, `<SyncML xmlns="SYNCML:SYNCML1.2">`)
	assert.Contains(t, s, `<Data>a&lt;b&amp;c&#13;</Data><MoreData/>`)
	assert.True(t, strings.HasSuffix(s, `<Final/></SyncBody></SyncML>`))

	m.Body.Commands[0].Items[0].Data = "bad\x01"
	_, err = m.AppendXML(nil)
	assert.ErrorIs(t, err, ErrInvalidText)
}

func TestParseXMLErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      error
	}{
		{"empty", "", ErrUnexpectedEOF},
		{"not syncml", "<Foo/>", ErrNotSyncML},
		{"garbage", "<<<", ErrSyntax},
		{"bad size", "<SyncML><SyncHdr><Meta><MaxMsgSize>x</MaxMsgSize></Meta></SyncHdr><SyncBody/></SyncML>", ErrBadNumber},
		{"no body", "<SyncML><SyncHdr/></SyncML>", ErrUnexpectedEOF},
		{"mismatched", "<SyncML><SyncHdr></SyncBody></SyncML>", ErrSyntax},
		{"charset", `<?xml version="1.0" encoding="ebcdic"?><SyncML/>`, ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m SyncML
			_, err := m.ParseXML([]byte(tt.doc))
			assert.ErrorIs(t, err, tt.want)
			var de *DecodeError
			assert.ErrorAs(t, err, &de)
		})
	}
	var m SyncML
	_, err := m.ParseXML([]byte("<SyncML><SyncHdr><Meta><MaxMsgSize>x</MaxMsgSize></Meta></SyncHdr><SyncBody/></SyncML>"))
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "SyncHdr.Meta.MaxMsgSize", de.Field)
}

func TestParseXMLPrefixes(t *testing.T) {
	for name, b := range readVectors(t) {
		var m SyncML
		_, err := m.ParseXML(b)
		require.NoError(t, err)
		out, err := m.AppendXML(nil)
		require.NoError(t, err)
		for i := 0; i < len(out); i++ {
			var m2 SyncML
			if _, err := m2.ParseXML(out[:i]); err == nil {
				t.Fatalf("%s: prefix of length %d of %d decoded", name, i, len(out))
			}
		}
	}
}

func TestAllCommandsRoundTrip(t *testing.T) {
	m := allCommands()
	x, err := m.AppendXML(nil)
	require.NoError(t, err)
	var fromX SyncML
	_, err = fromX.ParseXML(x)
	require.NoError(t, err)
	assert.Equal(t, m, fromX)
	w, err := m.AppendWBXML(nil)
	require.NoError(t, err)
	var fromW SyncML
	_, err = fromW.ParseWBXML(w)
	require.NoError(t, err)
	assert.Equal(t, m, fromW)
	assert.Less(t, len(w), len(x)/2, "WBXML should be far smaller than XML")
	// Decoding into a used message reuses and fully overwrites it.
	_, err = fromW.ParseXML(readVectors(t)["oma-dm-protocol-auth-basic-challenge-pkg1.xml"])
	require.NoError(t, err)
	assert.Empty(t, fromW.Body.Commands)
	assert.Nil(t, fromW.Hdr.Cred)
}

func TestStatusCodeString(t *testing.T) {
	assert.Equal(t, "Chunked item accepted and buffered", StatusChunkAccepted.String())
	assert.Equal(t, "Generic alert", AlertGeneric.String())
	assert.Equal(t, "StatusCode(299)", StatusCode(299).String())
	assert.Equal(t, "424", StatusSizeMismatch.Code())
	assert.Equal(t, StatusNotFound, StatusOf(&StatusError{Code: StatusNotFound}))
	assert.Equal(t, StatusCommandFailed, StatusOf(assert.AnError))
	assert.Equal(t, StatusOK, StatusOf(nil))
	assert.Equal(t, CmdExec, ParseCmdKind("Exec"))
	assert.Equal(t, "Exec", CmdExec.String())
}
