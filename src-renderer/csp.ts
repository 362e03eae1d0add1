// Imported first by main.tsx. The page runs under a strict Content-Security-Policy (no
// eval): zod 4 would otherwise probe `new Function` to compile fast parsers, which a
// strict CSP reports as a violation even though zod catches the throw.
import { config } from 'zod';

config({ jitless: true });
