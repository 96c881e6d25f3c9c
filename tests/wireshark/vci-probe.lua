-- tests/wireshark/vci-probe.lua — a stand-in for a dissector on top of the
-- AAL5 raw path: registers on "spindle.aal5.vci" for VCI 32 and shows the
-- payload's length and first byte, so the test sees the hand-off work.
local probe = Proto("aal5probe", "AAL5 payload probe")
local len = ProtoField.uint32("aal5probe.len", "Payload length", base.DEC)
local first = ProtoField.uint8("aal5probe.first", "First byte", base.HEX)
probe.fields = { len, first }
function probe.dissector(tvb, pinfo, tree)
    local t = tree:add(probe, tvb())
    t:add(len, tvb:len())
    t:add(first, tvb(0, 1))
    return tvb:len()
end
DissectorTable.get("spindle.aal5.vci"):add(32, probe)
