// n8n-core logs every node error through winston; the tests assert on those errors instead.
process.env.N8N_LOG_LEVEL = 'silent';
