package omadm_test

// Messages of a Windows-style management server (the SYNCML:SYNCML1.2 namespace, Meta in
// items, hexadecimal session identifiers echoed back), written for these tests.
var mdmMessages = map[string]string{
	"abort.xml": `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{SESSION}</SessionID>
    <MsgID>1</MsgID>
    <Target><LocURI>urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a</LocURI></Target>
    <Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>
  </SyncHdr>
  <SyncBody>
    <Status><CmdID>1</CmdID><MsgRef>{MSGID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
    <Alert><CmdID>2</CmdID><Data>1223</Data></Alert>
    <Final/>
  </SyncBody>
</SyncML>
`,
	"atomic-fail.xml": `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{SESSION}</SessionID>
    <MsgID>1</MsgID>
    <Target><LocURI>urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a</LocURI></Target>
    <Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>
  </SyncHdr>
  <SyncBody>
    <Status><CmdID>1</CmdID><MsgRef>{MSGID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
    <Atomic>
      <CmdID>2</CmdID>
      <Add><CmdID>3</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/New</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>n</Data></Item></Add>
      <Replace><CmdID>4</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Keep</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>changed</Data></Item></Replace>
      <Add><CmdID>5</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Keep</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>dup</Data></Item></Add>
      <Replace><CmdID>6</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Keep</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>x</Data></Item></Replace>
    </Atomic>
    <Sequence>
      <CmdID>7</CmdID>
      <Replace><CmdID>8</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Keep</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>seq</Data></Item></Replace>
      <Get><CmdID>9</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Keep</LocURI></Target></Item></Get>
    </Sequence>
    <Final/>
  </SyncBody>
</SyncML>
`,
	"chal-md5.xml": `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{SESSION}</SessionID>
    <MsgID>1</MsgID>
    <Target><LocURI>urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a</LocURI></Target>
    <Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>
  </SyncHdr>
  <SyncBody>
    <Status><CmdID>1</CmdID><MsgRef>{MSGID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>407</Data><Chal><Meta><Type xmlns="syncml:metinf">syncml:auth-md5</Type><Format xmlns="syncml:metinf">b64</Format><NextNonce xmlns="syncml:metinf">Tm9uY2U=</NextNonce></Meta></Chal></Status>
    <Final/>
  </SyncBody>
</SyncML>
`,
	"lo-abandon.xml": `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{SESSION}</SessionID>
    <MsgID>4</MsgID>
    <Target><LocURI>urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a</LocURI></Target>
    <Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>
  </SyncHdr>
  <SyncBody>
    <Status><CmdID>1</CmdID><MsgRef>{MSGID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
    <Get><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Big</LocURI></Target></Item></Get>
    <Final/>
  </SyncBody>
</SyncML>
`,
	"lo-chunk1.xml": `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{SESSION}</SessionID>
    <MsgID>1</MsgID>
    <Target><LocURI>urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a</LocURI></Target>
    <Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>
  </SyncHdr>
  <SyncBody>
    <Status><CmdID>1</CmdID><MsgRef>{MSGID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
    <Add><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Big</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format><Size xmlns="syncml:metinf">20</Size></Meta><Data>0123456789</Data><MoreData/></Item></Add>
  </SyncBody>
</SyncML>
`,
	"lo-chunk2.xml": `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{SESSION}</SessionID>
    <MsgID>2</MsgID>
    <Target><LocURI>urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a</LocURI></Target>
    <Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>
  </SyncHdr>
  <SyncBody>
    <Status><CmdID>1</CmdID><MsgRef>{MSGID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
    <Add><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Big</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format></Meta><Data>abcdefghij</Data></Item></Add>
    <Add><CmdID>3</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Mis</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format><Size xmlns="syncml:metinf">30</Size></Meta><Data>0123456789</Data><MoreData/></Item></Add>
  </SyncBody>
</SyncML>
`,
	"lo-mismatch.xml": `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{SESSION}</SessionID>
    <MsgID>3</MsgID>
    <Target><LocURI>urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a</LocURI></Target>
    <Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>
  </SyncHdr>
  <SyncBody>
    <Status><CmdID>1</CmdID><MsgRef>{MSGID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
    <Add><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Mis</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format></Meta><Data>abc</Data></Item></Add>
    <Add><CmdID>3</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Gone</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format><Size xmlns="syncml:metinf">100</Size></Meta><Data>xxxx</Data><MoreData/></Item></Add>
  </SyncBody>
</SyncML>
`,
	"pkg2-part1.xml": `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{SESSION}</SessionID>
    <MsgID>1</MsgID>
    <Target><LocURI>urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a</LocURI></Target>
    <Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>
  </SyncHdr>
  <SyncBody>
    <Status><CmdID>1</CmdID><MsgRef>{MSGID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
    <Status><CmdID>2</CmdID><MsgRef>1</MsgRef><CmdRef>1</CmdRef><Cmd>Alert</Cmd><Data>200</Data></Status>
    <Status><CmdID>3</CmdID><MsgRef>1</MsgRef><CmdRef>2</CmdRef><Cmd>Replace</Cmd><Data>200</Data></Status>
    <Get><CmdID>4</CmdID><Item><Target><LocURI>./DevInfo/Man</LocURI></Target></Item></Get>
    <Atomic>
      <CmdID>5</CmdID>
      <Add><CmdID>6</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Camera/AllowCamera</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>1</Data></Item></Add>
      <Replace><CmdID>7</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Camera/AllowCamera</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>0</Data></Item></Replace>
      <Add><CmdID>8</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Camera/AllowCameraOnLock</LocURI></Target><Meta><Format xmlns="syncml:metinf">int</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>1</Data></Item></Add>
    </Atomic>
  </SyncBody>
</SyncML>
`,
	"pkg2-part2.xml": `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{SESSION}</SessionID>
    <MsgID>2</MsgID>
    <Target><LocURI>urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a</LocURI></Target>
    <Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>
  </SyncHdr>
  <SyncBody>
    <Status><CmdID>1</CmdID><MsgRef>{MSGID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
    <Replace><CmdID>2</CmdID><Item><Target><LocURI>./Vendor/MSFT/DMClient/Provider/MDMServer/EntDMID</LocURI></Target><Meta><Format xmlns="syncml:metinf">chr</Format><Type xmlns="syncml:metinf">text/plain</Type></Meta><Data>abc</Data></Item></Replace>
    <Exec><CmdID>3</CmdID><Item><Target><LocURI>./Vendor/MSFT/RemoteWipe/doWipe</LocURI></Target></Item></Exec>
    <Get><CmdID>4</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Camera?list=Struct</LocURI></Target></Item></Get>
    <Delete><CmdID>5</CmdID><Item><Target><LocURI>./Vendor/MSFT/Policy/Config/Camera/AllowCameraOnLock</LocURI></Target></Item></Delete>
    <Get><CmdID>6</CmdID><Item><Target><LocURI>./Secret</LocURI></Target></Item></Get>
    <Final/>
  </SyncBody>
</SyncML>
`,
	"pkg4-end.xml": `<SyncML xmlns="SYNCML:SYNCML1.2">
  <SyncHdr>
    <VerDTD>1.2</VerDTD>
    <VerProto>DM/1.2</VerProto>
    <SessionID>{SESSION}</SessionID>
    <MsgID>9</MsgID>
    <Target><LocURI>urn:uuid:7d5ad3c5-0a7e-4b5c-9a3f-1f2e3d4c5b6a</LocURI></Target>
    <Source><LocURI>https://mdm.example.com/ManagementServer/MDM.svc</LocURI></Source>
  </SyncHdr>
  <SyncBody>
    <Status><CmdID>1</CmdID><MsgRef>{MSGID}</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>
    <Final/>
  </SyncBody>
</SyncML>
`,
}
