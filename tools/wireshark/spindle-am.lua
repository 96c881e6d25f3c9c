-- tools/wireshark/spindle-am.lua — a Wireshark dissector for spindle's
-- active messages (apps/am/am_wire.h: a 16-byte header — version, type,
-- flags, handler, nargs, status, reserved, epoch, seq — up to four 32-bit
-- arguments, and for STORE, GET and GET_REPLY a 16-byte bulk header —
-- segment, reserved, length, base, pos, total — and the chunk's data).
--
-- Over UDP: registered on the ports of the preference "UDP ports" (default
-- 9000-9001) and as a UDP heuristic (a payload that is a well-formed active
-- message, on any port). Over the AAL5 raw path: registered in
-- spindle-aal5.lua's table "spindle.aal5.vci" for the VCIs of the preference
-- "VCIs" (default 40-47), so load that dissector first:
--
--   tshark -X lua_script:tools/wireshark/spindle-aal5.lua \
--          -X lua_script:tools/wireshark/spindle-am.lua -r trace.pcap -V
--
-- Every field is shown; a malformed message is marked with the reason
-- spindle counts it under (spindle_am.malformed: short, version, type,
-- flags, nargs, status, reserved, epoch, length, bulk — the order and the
-- checks of am_wire_parse). A response names the frame of the request it
-- answers (matched by epoch and sequence number) and the time between them.
-- Filter fields start with "spindle_am." (e.g. spindle_am.type == 4).
-- Needs Wireshark's Lua 5.2 (bit32).

local p = Proto("spindle_am", "Spindle active message")

local types = { [1] = "request", [2] = "reply", [3] = "ack", [4] = "nack", [5] = "store",
    [6] = "get", [7] = "get-reply" }
local statuses = { [0] = "ok", [1] = "no-handler", [2] = "no-segment", [3] = "bounds",
    [4] = "fault", [5] = "busy" }
local REQUEST, NACK, STORE, GET, GET_REPLY = 1, 4, 5, 6, 7
local LAST = 1
local CHUNK_MAX, BULK_MAX = 16384, 65536

local f = {
    version = ProtoField.uint8("spindle_am.version", "Version", base.DEC),
    type = ProtoField.uint8("spindle_am.type", "Type", base.DEC, types),
    flags = ProtoField.uint8("spindle_am.flags", "Flags", base.HEX),
    last = ProtoField.bool("spindle_am.last", "Last chunk", 8, nil, LAST),
    handler = ProtoField.uint8("spindle_am.handler", "Handler", base.DEC),
    nargs = ProtoField.uint8("spindle_am.nargs", "Arguments", base.DEC),
    status = ProtoField.uint8("spindle_am.status", "Status", base.DEC, statuses),
    reserved = ProtoField.uint16("spindle_am.reserved", "Reserved", base.HEX),
    epoch = ProtoField.uint32("spindle_am.epoch", "Epoch", base.HEX),
    seq = ProtoField.uint32("spindle_am.seq", "Sequence number", base.DEC),
    arg = ProtoField.uint32("spindle_am.arg", "Argument", base.DEC_HEX),
    segment = ProtoField.uint8("spindle_am.segment", "Segment", base.DEC),
    bulk_reserved = ProtoField.uint8("spindle_am.bulk_reserved", "Bulk reserved", base.HEX),
    length = ProtoField.uint16("spindle_am.length", "Chunk length", base.DEC),
    base = ProtoField.uint32("spindle_am.base", "Transfer base", base.DEC),
    pos = ProtoField.uint32("spindle_am.pos", "Chunk position", base.DEC),
    total = ProtoField.uint32("spindle_am.total", "Transfer bytes", base.DEC),
    data = ProtoField.bytes("spindle_am.data", "Data"),
    malformed = ProtoField.string("spindle_am.malformed", "Malformed"),
    response_to = ProtoField.framenum("spindle_am.response_to", "Response to frame",
        base.NONE, frametype.REQUEST),
    rtt = ProtoField.double("spindle_am.rtt_us", "Time since request (us)"),
}
p.fields = f

local e = {
    malformed = ProtoExpert.new("spindle_am.malformed.expert", "Malformed active message: dropped",
        expert.group.MALFORMED, expert.severity.ERROR),
    refused = ProtoExpert.new("spindle_am.nack", "Request refused", expert.group.RESPONSE_CODE,
        expert.severity.WARN),
}
p.experts = e

p.prefs.udp_ports = Pref.range("UDP ports", "9000-9001", "UDP ports of active-message endpoints", 65535)
p.prefs.vcis = Pref.range("VCIs", "40-47", "AAL5 VCIs of active-message endpoints", 65535)
p.prefs.heuristic = Pref.bool("UDP heuristic", true, "Recognise well-formed messages on any UDP port")

local function has_bulk(t) return t == STORE or t == GET or t == GET_REPLY end
local function has_data(t) return t == STORE or t == GET_REPLY end

-- check(tvb): the fields and the first reason am_wire_parse would refuse it for, or nil.
local function check(tvb)
    local n = tvb:len()
    local m = {}
    if n < 16 then return m, "short" end
    m.version, m.type, m.flags = tvb(0, 1):uint(), tvb(1, 1):uint(), tvb(2, 1):uint()
    m.handler, m.nargs, m.status = tvb(3, 1):uint(), tvb(4, 1):uint(), tvb(5, 1):uint()
    m.reserved, m.epoch, m.seq = tvb(6, 2):uint(), tvb(8, 4):uint(), tvb(12, 4):uint()
    if m.version ~= 1 then return m, "version" end
    if m.type == 0 or m.type > 7 then return m, "type" end
    local bulk = has_bulk(m.type)
    if bit32.band(m.flags, bit32.bnot(LAST)) ~= 0 or (not bulk and m.flags ~= 0) then return m, "flags" end
    if m.nargs > 4 then return m, "nargs" end
    if (m.type == NACK and (m.status == 0 or m.status > 5)) or (m.type ~= NACK and m.status ~= 0) then
        return m, "status"
    end
    if m.reserved ~= 0 then return m, "reserved" end
    if m.epoch == 0 then return m, "epoch" end
    if n < 16 + 4 * m.nargs then return m, "short" end
    local rest = n - 16 - 4 * m.nargs
    if not bulk then
        if rest ~= 0 then return m, "length" end
        return m, nil
    end
    if rest < 16 then return m, "short" end
    local b = 16 + 4 * m.nargs
    m.bulk_off = b
    m.segment, m.bulk_reserved, m.length = tvb(b, 1):uint(), tvb(b + 1, 1):uint(), tvb(b + 2, 2):uint()
    m.base, m.pos, m.total = tvb(b + 4, 4):uint(), tvb(b + 8, 4):uint(), tvb(b + 12, 4):uint()
    if m.bulk_reserved ~= 0 then return m, "reserved" end
    local want = has_data(m.type) and m.length or 0
    if rest - 16 ~= want then return m, "length" end
    if m.length == 0 or m.length > CHUNK_MAX or m.total == 0 or m.total > BULK_MAX or
        m.pos > m.total or m.length > m.total - m.pos or m.base > 0xffffffff - m.total then
        return m, "bulk"
    end
    if (m.pos + m.length == m.total) ~= (bit32.band(m.flags, LAST) ~= 0) then return m, "bulk" end
    return m, nil
end

-- Requests seen, by epoch and sequence number: frame number and time (first pass).
local requests = {}
function p.init()
    requests = {}
end

local function dissect(tvb, pinfo, tree)
    local m, why = check(tvb)
    pinfo.cols.protocol = "AM"
    local t = tree:add(p, tvb())
    local n = tvb:len()
    if n >= 16 then
        t:add(f.version, tvb(0, 1))
        t:add(f.type, tvb(1, 1))
        local fl = t:add(f.flags, tvb(2, 1))
        fl:add(f.last, tvb(2, 1))
        t:add(f.handler, tvb(3, 1))
        t:add(f.nargs, tvb(4, 1))
        t:add(f.status, tvb(5, 1))
        t:add(f.reserved, tvb(6, 2))
        t:add(f.epoch, tvb(8, 4))
        t:add(f.seq, tvb(12, 4))
        for i = 0, math.min(m.nargs, 4) - 1 do
            if n >= 20 + 4 * i then t:add(f.arg, tvb(16 + 4 * i, 4)) end
        end
        if m.bulk_off ~= nil then
            local b = m.bulk_off
            t:add(f.segment, tvb(b, 1))
            t:add(f.bulk_reserved, tvb(b + 1, 1))
            t:add(f.length, tvb(b + 2, 2))
            t:add(f.base, tvb(b + 4, 4))
            t:add(f.pos, tvb(b + 8, 4))
            t:add(f.total, tvb(b + 12, 4))
            if n > b + 16 then t:add(f.data, tvb(b + 16, n - b - 16)) end
        end
    end
    local name = types[m.type] or "?"
    if why ~= nil then
        t:add(f.malformed, why):set_generated()
        t:add_proto_expert_info(e.malformed, "Malformed active message (" .. why .. "): dropped")
        t:set_text(string.format("Spindle active message, malformed: %s", why))
        pinfo.cols.info = string.format("AM malformed (%s)", why)
        return n
    end
    local key = string.format("%08x/%d", m.epoch, m.seq)
    if m.type == REQUEST or m.type == STORE or m.type == GET then
        if not pinfo.visited and requests[key] == nil then
            requests[key] = { frame = pinfo.number, time = pinfo.abs_ts }
        end
    else
        local r = requests[key]
        if r ~= nil and r.frame < pinfo.number then
            t:add(f.response_to, r.frame):set_generated()
            t:add(f.rtt, (pinfo.abs_ts - r.time) * 1e6):set_generated()
        end
        if m.type == NACK then
            t:add_proto_expert_info(e.refused, "Refused: " .. (statuses[m.status] or "?"))
        end
    end
    local s = string.format("AM %s seq=%d epoch=%08x", name, m.seq, m.epoch)
    if m.handler ~= 0 then s = s .. string.format(" handler=%d", m.handler) end
    if m.nargs > 0 then s = s .. string.format(" args=%d", m.nargs) end
    if m.bulk_off ~= nil then
        s = s .. string.format(" seg=%d [%d+%d..%d of %d]", m.segment, m.base, m.pos, m.pos + m.length, m.total)
    end
    if m.type == NACK then s = s .. " " .. (statuses[m.status] or "?") end
    t:set_text(string.format("Spindle active message: %s, seq %d", name, m.seq))
    pinfo.cols.info = s
    return n
end

function p.dissector(tvb, pinfo, tree)
    return dissect(tvb, pinfo, tree)
end

-- A UDP payload on any port that is a well-formed message (strict: every check passes).
local function heuristic(tvb, pinfo, tree)
    if not p.prefs.heuristic or tvb:len() < 16 or tvb(0, 1):uint() ~= 1 then return false end
    local _, why = check(tvb)
    if why ~= nil then return false end
    dissect(tvb, pinfo, tree)
    return true
end

local udp_ports, vcis = "", ""
local function register()
    local udp = DissectorTable.get("udp.port")
    if udp_ports ~= "" then udp:remove(udp_ports, p) end
    udp_ports = p.prefs.udp_ports
    if udp_ports ~= "" then udp:add(udp_ports, p) end
    local ok, vt = pcall(DissectorTable.get, "spindle.aal5.vci")
    if ok and vt ~= nil then
        if vcis ~= "" then vt:remove(vcis, p) end
        vcis = p.prefs.vcis
        if vcis ~= "" then vt:add(vcis, p) end
    end
end

function p.prefs_changed()
    register()
end

register()
p:register_heuristic("udp", heuristic)
