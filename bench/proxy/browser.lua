-- A browser's request head (about 1 KiB): what a page load sends, cookies and client hints
-- included. The "browser" scenario of run.sh sends it on every request, to nginx and Portcullis
-- alike, so that the cost of reading and forwarding real heads is in the figures.
wrk.path = "/small?category=shoes&sort=price&page=3&utm_source=newsletter&utm_medium=email"
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
wrk.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8"
wrk.headers["Accept-Language"] = "en-US,en;q=0.9,de;q=0.8"
wrk.headers["Accept-Encoding"] = "gzip, deflate, br, zstd"
wrk.headers["Referer"] = "https://www.example-shop.com/shop/catalog?category=shoes"
wrk.headers["Cookie"] = "session=3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c; cart=eyJpdGVtcyI6WzEyMzQ1LDY3ODkwXSwidG90YWwiOjk5Ljk5fQ; _ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000; consent=analytics%3Dtrue%26ads%3Dfalse; theme=dark"
wrk.headers["Sec-Ch-Ua"] = "\"Google Chrome\";v=\"131\", \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\""
wrk.headers["Sec-Ch-Ua-Mobile"] = "?0"
wrk.headers["Sec-Ch-Ua-Platform"] = "\"Windows\""
wrk.headers["Sec-Fetch-Dest"] = "document"
wrk.headers["Sec-Fetch-Mode"] = "navigate"
wrk.headers["Sec-Fetch-Site"] = "same-origin"
wrk.headers["Sec-Fetch-User"] = "?1"
wrk.headers["Upgrade-Insecure-Requests"] = "1"
