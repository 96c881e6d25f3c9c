-- tools/wireshark/spindle-aal5.lua — a Wireshark dissector for spindle's
-- AAL5 raw path (protocols/aal5/aal5_wire.h): Ethernet II frames of
-- EtherType 0x88B5 whose payload is a whole number (1..28) of 53-byte ATM
-- cells (ITU-T I.361 UNI header: GFC 4, VPI 8, VCI 16, PTI 3, CLP 1 bits;
-- HEC = CRC-8 x^8+x^2+x+1 of the first 4 bytes XOR 0x55, I.432) carrying
-- AAL5 CPCS-PDUs (ITU-T I.363.5: payload, PAD, UU, CPI, Length, CRC-32
-- with generator 0x04C11DB7, preset all ones, complemented).
--
--   tshark -X lua_script:tools/wireshark/spindle-aal5.lua -r trace.pcap -V
--   wireshark -X lua_script:tools/wireshark/spindle-aal5.lua trace.pcap
--
-- Every cell is shown with its header fields and the HEC checked. Cells are
-- reassembled per (Ethernet source, VPI, VCI) in capture order, as spindle
-- reassembles them; the frame holding a PDU's last cell shows the PDU (UU,
-- CPI, Length and CRC-32 checked) and hands its payload to the dissector
-- table "spindle.aal5.vci" (key: the VCI), where an active-message or
-- other dissector registers:
--   DissectorTable.get("spindle.aal5.vci"):add(32, my_proto)
-- Payloads nobody registered for are shown as data. Filter fields start
-- with "spindle_aal5." (e.g. spindle_aal5.vci == 32, spindle_aal5.crc_good
-- == 0). Needs Wireshark's Lua 5.2 (bit32).

local ETHERTYPE = 0x88b5
local CELL, HDR, PAYLOAD = 53, 5, 48
local CELLS_PER_FRAME = 28
local MAX_CELLS = 1366 -- the longest PDU: 65535 bytes of payload

local p = Proto("spindle_aal5", "Spindle AAL5 raw path (ATM cells over Ethernet)")

local pti_names = {
    [0] = "user data, no congestion, AUU 0", [1] = "user data, no congestion, AUU 1 (last cell)",
    [2] = "user data, congestion, AUU 0", [3] = "user data, congestion, AUU 1 (last cell)",
    [4] = "OAM F5 segment", [5] = "OAM F5 end-to-end", [6] = "resource management",
    [7] = "reserved",
}

local f = {
    ncells = ProtoField.uint8("spindle_aal5.cells", "Cells in frame", base.DEC),
    cell = ProtoField.bytes("spindle_aal5.cell", "ATM cell"),
    gfc = ProtoField.uint8("spindle_aal5.gfc", "GFC", base.DEC),
    vpi = ProtoField.uint8("spindle_aal5.vpi", "VPI", base.DEC),
    vci = ProtoField.uint16("spindle_aal5.vci", "VCI", base.DEC),
    pti = ProtoField.uint8("spindle_aal5.pti", "PTI", base.DEC, pti_names),
    clp = ProtoField.uint8("spindle_aal5.clp", "CLP", base.DEC),
    hec = ProtoField.uint8("spindle_aal5.hec", "HEC", base.HEX),
    hec_good = ProtoField.bool("spindle_aal5.hec_good", "HEC good"),
    cell_payload = ProtoField.bytes("spindle_aal5.cell_payload", "Cell payload"),
    pdu = ProtoField.bytes("spindle_aal5.pdu", "AAL5 CPCS-PDU"),
    pdu_cells = ProtoField.uint16("spindle_aal5.pdu_cells", "Cells in PDU", base.DEC),
    pdu_frames = ProtoField.string("spindle_aal5.pdu_frames", "Cells from frames"),
    uu = ProtoField.uint8("spindle_aal5.uu", "CPCS-UU", base.HEX),
    cpi = ProtoField.uint8("spindle_aal5.cpi", "CPI", base.HEX),
    length = ProtoField.uint16("spindle_aal5.length", "Length", base.DEC),
    crc = ProtoField.uint32("spindle_aal5.crc", "CRC-32", base.HEX),
    crc_computed = ProtoField.uint32("spindle_aal5.crc_computed", "CRC-32 computed", base.HEX),
    crc_good = ProtoField.bool("spindle_aal5.crc_good", "CRC-32 good"),
    length_good = ProtoField.bool("spindle_aal5.length_good", "Length agrees with cells"),
    payload = ProtoField.bytes("spindle_aal5.payload", "Payload"),
    status = ProtoField.string("spindle_aal5.status", "PDU status"),
}
p.fields = f

local e = {
    bad_hec = ProtoExpert.new("spindle_aal5.bad_hec", "HEC wrong: cell dropped",
        expert.group.CHECKSUM, expert.severity.ERROR),
    bad_crc = ProtoExpert.new("spindle_aal5.bad_crc", "CRC-32 wrong: PDU dropped",
        expert.group.CHECKSUM, expert.severity.ERROR),
    bad_pdu = ProtoExpert.new("spindle_aal5.bad_pdu", "Malformed PDU: dropped",
        expert.group.MALFORMED, expert.severity.ERROR),
    bad_frame = ProtoExpert.new("spindle_aal5.bad_frame", "Not 1..28 whole cells: frame dropped",
        expert.group.MALFORMED, expert.severity.ERROR),
    not_data = ProtoExpert.new("spindle_aal5.not_data", "Not AAL5 data (OAM, RM or VCI 0): ignored",
        expert.group.PROTOCOL, expert.severity.NOTE),
}
p.experts = e

local vci_table = DissectorTable.new("spindle.aal5.vci", "Spindle AAL5 payload by VCI", ftypes.UINT16,
    base.DEC, p)
local data = Dissector.get("data")

-- CRC-8 of I.432 over 4 header bytes, plus the coset 0x55.
local function hec_of(b0, b1, b2, b3)
    local c = 0
    for _, b in ipairs({ b0, b1, b2, b3 }) do
        c = bit32.bxor(c, b)
        for _ = 1, 8 do
            if bit32.band(c, 0x80) ~= 0 then
                c = bit32.band(bit32.bxor(bit32.lshift(c, 1), 0x07), 0xff)
            else
                c = bit32.band(bit32.lshift(c, 1), 0xff)
            end
        end
    end
    return bit32.bxor(c, 0x55)
end

-- The CRC-32 table: the register after shifting byte i << 24 through the generator.
local crc_table = {}
for i = 0, 255 do
    local c = bit32.lshift(i, 24)
    for _ = 1, 8 do
        if bit32.band(c, 0x80000000) ~= 0 then
            c = bit32.bxor(bit32.lshift(c, 1), 0x04c11db7)
        else
            c = bit32.lshift(c, 1)
        end
    end
    crc_table[i] = c
end

-- crc_update(reg, bytes, first, last): feed ByteArray bytes [first, last] (0-based).
local function crc_update(reg, ba, first, last)
    for i = first, last do
        local idx = bit32.bxor(bit32.rshift(reg, 24), ba:get_index(i))
        reg = bit32.bxor(bit32.lshift(reg, 8), crc_table[idx])
    end
    return reg
end

-- Reassembly state, built on the first pass in capture order:
--   vcs[key]    the PDU in progress on (source, VPI, VCI): bytes, cells, frames
--   done[frame] for each frame, per cell index, the completed PDU's results
local vcs, done = {}, {}

function p.init()
    vcs, done = {}, {}
end

-- finish(st, cell_tvb): the checks spindle makes on a PDU's last cell.
local function finish(st)
    local ba = st.bytes
    local n = ba:len()
    local t = n - 8
    local r = {
        bytes = ba, cells = st.cells, frames = table.concat(st.frames, ","),
        uu = ba:get_index(t), cpi = ba:get_index(t + 1),
        length = ba:get_index(t + 2) * 256 + ba:get_index(t + 3),
        crc = bit32.bor(bit32.lshift(ba:get_index(t + 4), 24), bit32.lshift(ba:get_index(t + 5), 16),
            bit32.lshift(ba:get_index(t + 6), 8), ba:get_index(t + 7)),
    }
    r.crc_computed = bit32.bnot(crc_update(0xffffffff, ba, 0, n - 5))
    r.crc_good = r.crc_computed == r.crc
    r.length_good = math.floor((r.length + 8 + 47) / 48) == st.cells
    if r.length == 0 then
        r.status = "abort (Length 0)"
    elseif not r.crc_good then
        r.status = "bad CRC-32"
    elseif r.cpi ~= 0 then
        r.status = "bad CPI"
    elseif not r.length_good then
        r.status = "bad Length"
    else
        r.status = "ok"
    end
    return r
end

-- first_pass(pinfo, tvb, src, ncells): reassemble this frame's cells.
local function first_pass(pinfo, tvb, src, ncells)
    local res = {}
    for i = 0, ncells - 1 do
        local o = i * CELL
        local b0, b1, b2, b3 = tvb(o, 1):uint(), tvb(o + 1, 1):uint(), tvb(o + 2, 1):uint(), tvb(o + 3, 1):uint()
        local vpi = bit32.bor(bit32.lshift(bit32.band(b0, 0x0f), 4), bit32.rshift(b1, 4))
        local vci = bit32.bor(bit32.lshift(bit32.band(b1, 0x0f), 12), bit32.lshift(b2, 4), bit32.rshift(b3, 4))
        local pti = bit32.band(bit32.rshift(b3, 1), 7)
        if hec_of(b0, b1, b2, b3) == tvb(o + 4, 1):uint() and pti < 4 and vci ~= 0 then
            local key = src .. "/" .. vpi .. "/" .. vci
            local st = vcs[key]
            if st == nil then
                st = { bytes = ByteArray.new(), cells = 0, frames = {} }
                vcs[key] = st
            end
            if st.frames[#st.frames] ~= tostring(pinfo.number) then
                table.insert(st.frames, tostring(pinfo.number))
            end
            st.cells = st.cells + 1
            if st.cells == MAX_CELLS + 1 then
                -- dropped here, as spindle does; its remaining cells are discarded
                st.oversize = true
                st.bytes = ByteArray.new()
                res[i] = { oversize = true, cells = st.cells, frames = table.concat(st.frames, ",") }
            elseif not st.oversize then
                st.bytes:append(tvb(o + HDR, PAYLOAD):bytes())
            end
            if bit32.band(pti, 1) == 1 then
                vcs[key] = nil
                if not st.oversize then
                    res[i] = finish(st)
                end
            end
        end
    end
    done[pinfo.number] = res
end

function p.dissector(tvb, pinfo, tree)
    pinfo.cols.protocol = "AAL5"
    local len = tvb:len()
    local ncells = math.floor(len / CELL)
    local root = tree:add(p, tvb(), "Spindle AAL5 raw path")
    root:add(f.ncells, ncells):set_generated()
    if len % CELL ~= 0 or ncells < 1 or ncells > CELLS_PER_FRAME then
        root:add_proto_expert_info(e.bad_frame,
            string.format("%d bytes: not 1..%d whole %d-byte cells; frame dropped", len, CELLS_PER_FRAME, CELL))
        pinfo.cols.info = string.format("AAL5 malformed frame: %d bytes, not whole cells", len)
        return len
    end
    local src = tostring(pinfo.dl_src)
    if not pinfo.visited and done[pinfo.number] == nil then
        first_pass(pinfo, tvb, src, ncells)
    end
    local res = done[pinfo.number] or {}
    local info = {}
    for i = 0, ncells - 1 do
        local o = i * CELL
        local c = root:add(f.cell, tvb(o, CELL))
        local b = tvb(o, 4):uint()
        local vpi = bit32.band(bit32.rshift(b, 20), 0xff)
        local vci = bit32.band(bit32.rshift(b, 4), 0xffff)
        local pti = bit32.band(bit32.rshift(b, 1), 7)
        local good = hec_of(tvb(o, 1):uint(), tvb(o + 1, 1):uint(), tvb(o + 2, 1):uint(),
            tvb(o + 3, 1):uint()) == tvb(o + 4, 1):uint()
        c:set_text(string.format("ATM cell %d: VPI %d, VCI %d, PTI %d%s", i, vpi, vci, pti,
            good and "" or " [bad HEC]"))
        c:add(f.gfc, tvb(o, 1), bit32.rshift(b, 28))
        c:add(f.vpi, tvb(o, 2), vpi)
        c:add(f.vci, tvb(o + 1, 3), vci)
        c:add(f.pti, tvb(o + 3, 1), pti)
        c:add(f.clp, tvb(o + 3, 1), bit32.band(b, 1))
        local h = c:add(f.hec, tvb(o + 4, 1))
        c:add(f.hec_good, good):set_generated()
        if not good then
            h:add_proto_expert_info(e.bad_hec)
        elseif pti >= 4 or vci == 0 then
            c:add_proto_expert_info(e.not_data)
        end
        c:add(f.cell_payload, tvb(o + HDR, PAYLOAD))
        local r = res[i]
        if r ~= nil then
            local ptree = c:add(f.pdu, tvb(o + HDR, PAYLOAD))
            ptree:set_text(string.format("AAL5 CPCS-PDU on VC %d/%d: %s", vpi, vci,
                r.oversize and "oversize" or r.status))
            ptree:add(f.pdu_cells, r.cells):set_generated()
            ptree:add(f.pdu_frames, r.frames):set_generated()
            if r.oversize then
                ptree:add(f.status, "oversize: more than 1366 cells; the rest discarded"):set_generated()
                ptree:add_proto_expert_info(e.bad_pdu, "PDU longer than 65535 bytes: dropped")
                table.insert(info, string.format("VC %d/%d oversize", vpi, vci))
            else
                local pdu_tvb = r.bytes:tvb("AAL5 CPCS-PDU")
                local n = r.bytes:len()
                ptree:add(f.uu, pdu_tvb(n - 8, 1))
                ptree:add(f.cpi, pdu_tvb(n - 7, 1))
                ptree:add(f.length, pdu_tvb(n - 6, 2))
                local crc = ptree:add(f.crc, pdu_tvb(n - 4, 4))
                ptree:add(f.crc_computed, r.crc_computed):set_generated()
                ptree:add(f.crc_good, r.crc_good):set_generated()
                ptree:add(f.length_good, r.length_good):set_generated()
                ptree:add(f.status, r.status):set_generated()
                if not r.crc_good then
                    crc:add_proto_expert_info(e.bad_crc)
                elseif r.status ~= "ok" then
                    ptree:add_proto_expert_info(e.bad_pdu, "PDU " .. r.status .. ": dropped")
                end
                if r.status == "ok" then
                    local payload = pdu_tvb(0, r.length)
                    ptree:add(f.payload, payload)
                    if not vci_table:try(vci, payload:tvb(), pinfo, tree) then
                        data:call(payload:tvb(), pinfo, tree)
                    end
                    table.insert(info, string.format("VC %d/%d PDU %d bytes", vpi, vci, r.length))
                else
                    table.insert(info, string.format("VC %d/%d PDU %s", vpi, vci, r.status))
                end
            end
        end
    end
    local s = string.format("AAL5 %d cell%s", ncells, ncells == 1 and "" or "s")
    if #info > 0 then
        s = s .. ": " .. table.concat(info, "; ")
    end
    pinfo.cols.info = s
    return len
end

DissectorTable.get("ethertype"):add(ETHERTYPE, p)
