"""Body -> fingerprint: normalized tokens, shingles, MinHash signature, band keys, samples.

- `normalize`: the one order of text folding that makes copies agree, and the tokens;
- `shingle`: n-gram shingle ids and distinctive-number ids (`Fingerprint`), exact measures;
- `signature`: MinHash signatures, bit for bit datasketch's (the only MinHash builder);
- `bands`: signature -> LSH band keys, shared by the batch scan and the crawler's index;
- `sketch`: bottom-k shingle samples and the similarity estimated from them;
- `fingerprinter`: body -> Fingerprint and signature for one configuration;
- `slots`, `captions`: what the copy rule reads on two bodies (a frame filled for other
  places; a photo story of which another page carries only some captions).

Imports the ground only (config, models, textops, _arrays).
"""
