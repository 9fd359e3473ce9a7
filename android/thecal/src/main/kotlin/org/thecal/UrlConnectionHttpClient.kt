package org.thecal

import java.io.IOException
import java.net.HttpURLConnection
import java.net.SocketTimeoutException
import java.net.URL
import javax.net.ssl.SSLException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.thecal.core.HttpClient
import org.thecal.core.HttpException
import org.thecal.core.HttpHeader
import org.thecal.core.HttpRequest
import org.thecal.core.HttpResponse

/**
 * The core's [HttpClient] over the platform's own `HttpURLConnection` (Android and the JVM alike;
 * no extra dependency): the core carries no HTTP or TLS stack, the app lends it this one. Each
 * request runs on [Dispatchers.IO]. An app with OkHttp can implement [HttpClient] over it the same
 * way; answers of any status are returned, only a missing answer is an [HttpException].
 *
 * ```kotlin
 * val caregivers = thecal.caregivers(UrlConnectionHttpClient())
 * ```
 */
class UrlConnectionHttpClient : HttpClient {
    override suspend fun send(request: HttpRequest): HttpResponse = withContext(Dispatchers.IO) {
        val connection = try {
            URL(request.url).openConnection() as HttpURLConnection
        } catch (e: IOException) {
            throw HttpException.Platform("cannot open ${request.method} request: ${e.message}")
        }
        try {
            connection.requestMethod = request.method
            connection.instanceFollowRedirects = false
            connection.connectTimeout = request.timeoutMs.toInt()
            connection.readTimeout = request.timeoutMs.toInt()
            connection.useCaches = false
            request.headers.forEach { connection.setRequestProperty(it.name, it.value) }
            if (request.body.isNotEmpty()) {
                connection.doOutput = true
                connection.setFixedLengthStreamingMode(request.body.size)
                connection.outputStream.use { it.write(request.body) }
            }
            val status = connection.responseCode
            val body = (if (status >= 400) connection.errorStream else connection.inputStream)
                ?.use { it.readBytes() } ?: ByteArray(0)
            val headers = connection.headerFields.flatMap { (name, values) ->
                if (name == null) emptyList() else values.map { HttpHeader(name, it) }
            }
            HttpResponse(status.toUShort(), headers, body)
        } catch (e: SocketTimeoutException) {
            throw HttpException.Timeout()
        } catch (e: SSLException) {
            throw HttpException.Tls(e.message ?: "TLS failure")
        } catch (e: IOException) {
            throw HttpException.Offline(e.message ?: e.javaClass.simpleName)
        } finally {
            connection.disconnect()
        }
    }
}
