import { describe, expect, it } from 'vitest';
import { escapeTerminal, escapeTerminalText, term } from './terminalText';

describe('terminal text', () => {
  it('escapes C0, DEL, C1 and bidi controls visibly, keeps ordinary text and backslashes', () => {
    expect(escapeTerminal('a\u001b[31mb\u0007c\r\n\t\u007f\u009b')).toBe('a\\x1b[31mb\\x07c\\x0d\\x0a\\x09\\x7f\\x9b');
    expect(escapeTerminal('x\u202ey\u2066z\u200e\u200f\u061c\u2028')).toBe('x\\u{202e}y\\u{2066}z\\u{200e}\\u{200f}\\u{61c}\\u{2028}');
    expect(escapeTerminal('監視カメラ_ночь C:\\cases\\a.mp4 — ok')).toBe('監視カメラ_ночь C:\\cases\\a.mp4 — ok');
  });

  it('keeps the layout of a whole text but not a name inside it', () => {
    expect(escapeTerminalText('line 1\n\tline 2\r\u001b[2J')).toBe('line 1\n\tline 2\\x0d\\x1b[2J');
    const name = 'a\nimported #9';
    expect(term`imported #1 ${name}\n  sha256 x`).toBe('imported #1 a\\x0aimported #9\n  sha256 x');
  });
});
