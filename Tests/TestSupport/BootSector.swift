/// A 512-byte x86 boot sector that prints a marker line on the first serial port (COM1,
/// I/O port 0x3f8) and halts: proof that a VM really booted from the disk it was given.
public enum BootSector {
    public static func printing(_ marker: String) -> [UInt8] {
        let text = Array(marker.utf8) + [13, 10, 0]
        precondition(text.count < 400, "marker too long for a boot sector")
        // Real-mode code loaded by the BIOS at 0x7c00; the message follows the code at offset 22.
        let messageAddress = 0x7C00 + 22
        var sector: [UInt8] = [
            0xFA,  // cli
            0x31, 0xC0,  // xor ax, ax
            0x8E, 0xD8,  // mov ds, ax
            0xBE, UInt8(messageAddress & 0xFF), UInt8(messageAddress >> 8),  // mov si, message
            0xBA, 0xF8, 0x03,  // mov dx, 0x3f8
            0xAC,  // next: lodsb
            0x84, 0xC0,  // test al, al
            0x74, 0x03,  // jz halt
            0xEE,  // out dx, al
            0xEB, 0xF8,  // jmp next
            0xF4,  // halt: hlt
            0xEB, 0xFD,  // jmp halt
        ]
        sector += text
        sector += [UInt8](repeating: 0, count: 510 - sector.count)
        sector += [0x55, 0xAA]  // boot signature
        return sector
    }
}
