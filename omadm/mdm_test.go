package omadm

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readMDM(t *testing.T, name string) *SyncML {
	t.Helper()
	b, err := os.ReadFile("testdata/mdm/" + name)
	require.NoError(t, err)
	var m SyncML
	_, err = m.ParseXML(b)
	require.NoError(t, err)
	// Whatever we read, both encoders write and read back unchanged.
	x, err := m.AppendXML(nil)
	require.NoError(t, err)
	var fromX SyncML
	_, err = fromX.ParseXML(x)
	require.NoError(t, err)
	assert.Equal(t, withDefaults(m), fromX)
	w, err := m.AppendWBXML(nil)
	require.NoError(t, err)
	var fromW SyncML
	_, err = fromW.ParseWBXML(w)
	require.NoError(t, err)
	assert.Equal(t, withDefaults(m), fromW)
	return &m
}

// TestWindowsMDMServerMessages reads messages in the style of Windows MDM servers.
func TestWindowsMDMServerMessages(t *testing.T) {
	m := readMDM(t, "mdm-server-pkg2-policies.xml")
	assert.Equal(t, "2C", m.Hdr.SessionID)
	assert.Equal(t, "{6B3A2C1D-9F0E-4E2B-8D6C-5A4B3C2D1E0F}", m.Hdr.Target.URI)
	assert.True(t, m.Body.Final)
	kinds := []CmdKind{}
	for _, c := range m.Body.Commands {
		kinds = append(kinds, c.Kind)
	}
	assert.Equal(t, []CmdKind{CmdStatus, CmdStatus, CmdStatus, CmdGet, CmdReplace, CmdAdd, CmdAtomic, CmdDelete}, kinds)
	get := m.Body.Commands[3]
	require.Len(t, get.Items, 3)
	assert.Equal(t, "./DevDetail/Ext/Microsoft/DeviceName", get.Items[1].Target.URI)
	rep := m.Body.Commands[4].Items[0]
	assert.Equal(t, "int", rep.Meta.Format)
	assert.Equal(t, "0", rep.Data)
	add := m.Body.Commands[5].Items[0]
	assert.Equal(t, "<enabled/>", add.Data, "CDATA")
	atomic := m.Body.Commands[6]
	require.Len(t, atomic.Commands, 2)
	assert.Equal(t, "8", atomic.Commands[1].Items[0].Data)
	assert.Equal(t, "9", atomic.Commands[1].CmdID)

	m = readMDM(t, "mdm-server-exec-sequence.xml")
	seq := m.Body.Commands[1]
	require.Equal(t, CmdSequence, seq.Kind)
	require.Len(t, seq.Commands, 2)
	exec := seq.Commands[1]
	assert.Equal(t, CmdExec, exec.Kind)
	assert.Equal(t, "xml", exec.Items[0].Meta.Format, "metinf elements with a namespace prefix")
	assert.Contains(t, exec.Items[0].Data, `<MsiInstallJob id="{0B6F1D8E-1A2B-4C3D-9E8F-7A6B5C4D3E2F}">`)
	assert.Contains(t, exec.Items[0].Target.URI, "%7B0B6F1D8E")
	wipe := m.Body.Commands[2]
	assert.Equal(t, "./Device/Vendor/MSFT/RemoteWipe/doWipeProtected", wipe.Items[0].Target.URI)
	assert.Empty(t, wipe.Items[0].Data)
	assert.Equal(t, "./Vendor/MSFT/NodeCache/MDMProvider/Nodes?list=Struct", m.Body.Commands[3].Items[0].Target.URI)

	m = readMDM(t, "mdm-server-final.xml")
	assert.Len(t, m.Body.Commands, 3)
	assert.True(t, m.Body.Final)
	assert.Equal(t, "Results", m.Body.Commands[1].Cmd)
}
