import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const ext = (process.env.EXT||'').split(',').filter(Boolean);
const r = await build({ entryPoints: ['src/index.ts'], bundle: true, format: 'iife', minify: true, write: false, metafile: true, target:'es2022', define:{__AVILA_VERSION__:'"0"'}, plugins:[{name:'x', setup(b){
 b.onResolve({filter:/.*/}, a=>{ for (const e of ext) if (a.path.includes(e)) return {path:a.path, external:true}; if (a.path.endsWith('load-parts.js')) return {path: process.cwd()+'/src/client/load-parts.iife.ts'}; if (a.path.endsWith('load-sending.js')) return {path: process.cwd()+'/src/delivery/load-sending.iife.ts'}; return undefined; }); }}], logLevel:'silent'});
const out = Object.values(r.metafile.outputs)[0];
console.log('total', r.outputFiles[0].contents.length, 'gz', gzipSync(r.outputFiles[0].contents,{level:9}).length);
if (process.env.V) { const rows = Object.entries(out.inputs).map(([k,v])=>[k,v.bytesInOutput]).sort((a,b)=>b[1]-a[1]); for (const [k,v] of rows) console.log(String(v).padStart(7), k); }
